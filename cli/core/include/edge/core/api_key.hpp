#pragma once
// mim OE's API key file, mimoe-api-key.env (docs/deploy.md): KEY=VALUE lines (an `export `
// prefix and quotes allowed), of which MCM_API_KEY protects the mCM API. Read by `edge`
// (--api-key-file) and by `edge-node` (its own key file), the same way.
#include <optional>
#include <string>
#include <string_view>

namespace edge {

// The MCM_API_KEY of such a file's text; nullopt when it has none.
std::optional<std::string> mcm_api_key_of(std::string_view env_file_text);

}  // namespace edge
