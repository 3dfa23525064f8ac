#pragma once
// The one table between an Error's kind and an HTTP status, for the two HTTP edges: the node
// answers a failure with http_status_of(kind), and the CLI's mCM client reads a node's status
// back into a kind (any node's: 4xx and 5xx it does not know map to the nearest kind).
#include "edge/core/result.hpp"

namespace edge {

constexpr int http_status_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Invalid: return 400;
    case ErrorKind::Unauthorized: return 401;
    case ErrorKind::NotFound: return 404;
    case ErrorKind::Conflict: return 409;
    case ErrorKind::TooLarge: return 413;
    case ErrorKind::Refused: return 422;
    case ErrorKind::Unavailable: return 503;
    case ErrorKind::Failed:
    case ErrorKind::Internal: return 500;
  }
  return 500;
}

constexpr ErrorKind error_kind_of(int status) {
  switch (status) {
    case 400: return ErrorKind::Invalid;
    case 401:
    case 403: return ErrorKind::Unauthorized;
    case 404: return ErrorKind::NotFound;
    case 409: return ErrorKind::Conflict;
    case 413: return ErrorKind::TooLarge;
    case 422: return ErrorKind::Refused;
    case 429:
    case 502:
    case 503:
    case 504: return ErrorKind::Unavailable;
    default: return status >= 500 ? ErrorKind::Internal : status >= 400 ? ErrorKind::Invalid : ErrorKind::Failed;
  }
}

}  // namespace edge
