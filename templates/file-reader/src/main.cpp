// {{name}}: reads host log files through a WASI preopened directory.
// The node maps a host folder to /logs inside the module (env EDGE_PREOPEN_DIRS in
// edge.yaml, "HOSTDIR::/logs"); the module can read nothing else.
//   GET /files                          -> {"files": ["app.log", ...]}
//   GET /lines?file=app.log&tail=100    -> {"file", "lines": [...]} (the last N lines)
#include <edge/edge.hpp>
#include <edge/json.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace {

// Where the granted folder is inside the module. LOGS_DIR moves it: a host-compiled test
// (tests/files_test.cpp) points it at a folder of its own; on the node only preopens exist anyway.
std::string logs_dir(edge::Request& req) { return req.env("LOGS_DIR", "/logs"); }
constexpr long kMaxTail = 10000;
constexpr size_t kChunk = 16 * 1024;

// A plain file name: no path separators, no "..", nothing hidden.
bool valid_name(const std::string& f) {
  return !f.empty() && f.size() <= 255 && f[0] != '.' && f.find('/') == std::string::npos &&
         f.find('\\') == std::string::npos;
}

// The last `n` lines of an open file, read backwards in chunks: a large log costs only
// what is returned.
std::vector<std::string> tail_lines(int fd, long n) {
  off_t end = lseek(fd, 0, SEEK_END);
  std::string buf;  // the file's tail, growing towards the front
  off_t pos = end;
  long newlines = 0;
  while (pos > 0 && newlines <= n) {
    size_t len = pos >= static_cast<off_t>(kChunk) ? kChunk : static_cast<size_t>(pos);
    pos -= static_cast<off_t>(len);
    std::string chunk(len, '\0');
    if (lseek(fd, pos, SEEK_SET) < 0 || read(fd, chunk.data(), len) != static_cast<ssize_t>(len)) break;
    for (char c : chunk) newlines += c == '\n';
    buf.insert(0, chunk);
  }
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < buf.size()) {
    size_t nl = buf.find('\n', start);
    if (nl == std::string::npos) nl = buf.size();
    lines.push_back(buf.substr(start, nl - start));
    start = nl + 1;
  }
  // The first line may be partial unless we reached the start of the file.
  if (pos > 0 && !lines.empty()) lines.erase(lines.begin());
  if (static_cast<long>(lines.size()) > n) lines.erase(lines.begin(), lines.end() - n);
  return lines;
}

void get_lines(edge::Request& req, edge::Response& res) {
  std::string file = req.query("file");
  const std::string dir = logs_dir(req);
  if (!valid_name(file)) return res.error(400, "give ?file=NAME, a file name inside " + dir);
  long n = 100;
  if (req.query().has("tail")) {
    auto tail = edge::parse<long>(req.query("tail"));
    if (!tail || *tail < 0 || *tail > kMaxTail)
      return res.error(400, "tail must be a number from 0 to 10000" + (tail ? std::string() : ": " + tail.error()));
    n = *tail;
  }
  std::string path = dir + "/" + file;
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return res.error(404, "no file " + file + " in " + dir);
    return res.error(500, "cannot open " + path + ": " + std::strerror(err) +
                              " (is a host folder granted as /logs with EDGE_PREOPEN_DIRS?)");
  }
  auto lines = tail_lines(fd, n);
  close(fd);
  edge::Json out = edge::Json::object({{"file", file}, {"lines", edge::Json::array()}});
  edge::Json::Array arr;
  for (auto& l : lines) arr.emplace_back(std::move(l));
  out.set("lines", edge::Json(std::move(arr)));
  res.json(out);
}

void list_files(edge::Request& req, edge::Response& res) {
  const std::string path = logs_dir(req);
  DIR* dir = opendir(path.c_str());
  if (!dir)
    return res.error(500, "cannot list " + path + ": " + std::strerror(errno) +
                              " (is a host folder granted as /logs with EDGE_PREOPEN_DIRS?)");
  std::vector<std::string> names;
  while (dirent* e = readdir(dir))
    if (e->d_name[0] != '.' && e->d_type != DT_DIR) names.emplace_back(e->d_name);
  closedir(dir);
  std::ranges::sort(names);  // stable output, whatever order the host lists
  edge::Json::Array arr(names.begin(), names.end());
  res.json(edge::Json::object({{"files", edge::Json(std::move(arr))}}));
}

}  // namespace

EDGE_SERVICE(app) {
  app.get("/files", list_files);
  app.get("/lines", get_lines);
}
