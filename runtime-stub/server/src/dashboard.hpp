#pragma once
// The node dashboard: static files (runtime-stub/server/dashboard/) served at `/` of the node's
// dashboard port, an origin of its own (routes.hpp says why). They live
// next to the binary as real files (build/share/edge/dashboard, <prefix>/share/edge/dashboard
// once installed; EDGE_SHARE_DIR overrides), like the CLI's templates. The page reads the mCM
// API itself, so nothing secret is in what this serves.
#include <filesystem>
#include <string>

#include "http_server.hpp"

namespace edge::node {

// The folder the dashboard files are read from.
std::filesystem::path dashboard_dir();

// Answers `/` (index.html) or `/dashboard/<file>` (file: letters, digits, '-', '_', one
// extension among html, js, css, svg); a JSON 404 for anything else.
web::Response serve_dashboard(const std::string& file);

}  // namespace edge::node
