#pragma once
// The shell blocks of the docs, as the doc-command test reads them.
//
// The marking (also described in docs/getting-started.md, "How this page is tested"):
// - Every ```sh block of docs/getting-started.md runs, in order, in one shell session (a
//   reader follows the page top to bottom), unless the line before it is `<!-- test: skip ... -->`.
// - In README.md and every other docs/*.md, a ```sh block runs when the line before it is
//   `<!-- test: run[, option...] -->`. Blocks of one file share one session, in order.
// - Options: `fails` (the block shows a failing command: it must fail), `with-node` (the test
//   starts an edge-node before the file's session, data in ~/.edge-node), `expect: TEXT`
//   (the block's output must contain TEXT; last option, TEXT runs to the `-->`).
// - A block whose lines start with `$ ` is a transcript: those lines are the commands and the
//   rest is the output they print; every output line starting with `error:`, `fix:`,
//   `warning:` or `✗` must appear in the real output (so documented errors cannot drift);
//   `…` in such a line stands for any text (a temp path, an id).
//   Any other block is a script run with `set -e`.
// - Sessions run in a temp dir with HOME there, build/bin first on PATH, NO_COLOR=1, and
//   port 8083 in the text replaced by a free loopback port (EDGE_ENGINE_URI points at it).
#include <string>
#include <vector>

namespace edge::test {

struct DocBlock {
  std::string file;  // "docs/getting-started.md"
  int line = 0;      // the line of the opening fence
  std::string text;  // the block's lines
  bool runnable = false;
  bool transcript = false;
  bool fails = false;
  bool with_node = false;
  std::string expect;
  std::vector<std::string> commands;        // transcript: the `$ ` lines; else every line
  std::vector<std::string> expected_lines;  // transcript: error:/fix:/warning:/✗ lines
};

// Every ```sh block of a Markdown file, runnable or not.
std::vector<DocBlock> parse_doc_blocks(const std::string& markdown, const std::string& file, bool run_by_default);

// One bash script running the file's runnable blocks, with "@@block N@@" markers between them.
std::string session_script(const std::vector<DocBlock>& blocks, int port);

}  // namespace edge::test
