#pragma once
// The one include a service needs. JSON is opt-in: #include <edge/json.hpp>.
#include "edge/abi.hpp"
#include "edge/host.hpp"
#include "edge/http.hpp"
#include "edge/id.hpp"
#include "edge/log.hpp"
#include "edge/msgpack.hpp"
#include "edge/parse.hpp"
#include "edge/result.hpp"
#include "edge/router.hpp"
#include "edge/service.hpp"
#include "edge/time.hpp"
#include "edge/value.hpp"
