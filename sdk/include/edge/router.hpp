#pragma once
// Routes by method and path pattern, relative to the service's base path.
//   "/items"          literal
//   "/items/:id"      parameter (also written "/items/{id}"), one segment, percent-decoded
//   "/files/*"        wildcard: the rest of the path (maybe empty), as param("*")
// Literal segments beat parameters, parameters beat wildcards, so "/items/new" can sit
// next to "/items/:id" whatever the order of registration.
#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edge/http.hpp"

namespace edge {

using Handler = std::function<void(Request&, Response&)>;

class Router {
 public:
  struct Match {
    enum class Kind { Found, NotFound, MethodNotAllowed } kind = Kind::NotFound;
    const Handler* handler = nullptr;
    std::vector<std::pair<std::string, std::string>> params;
    std::string allow;  // for MethodNotAllowed: "GET, PUT"
  };

  void add(std::string_view method, std::string_view pattern, Handler handler) {
    Route r;
    r.method = std::string(method);
    for (auto& c : r.method) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    for (std::string_view seg : split(pattern)) {
      Segment s;
      if (seg == "*") {
        s.kind = Segment::Wildcard;
        s.text = "*";
      } else if (seg.size() > 1 && seg[0] == ':') {
        s.kind = Segment::Param;
        s.text = std::string(seg.substr(1));
      } else if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
        s.kind = Segment::Param;
        s.text = std::string(seg.substr(1, seg.size() - 2));
      } else {
        s.text = std::string(seg);
      }
      r.segments.push_back(std::move(s));
    }
    r.handler = std::move(handler);
    routes_.push_back(std::move(r));
  }

  Match match(std::string_view method, std::string_view path) const {
    Match best;
    auto segs = split(path);
    int best_score = -1;
    std::vector<std::string> allowed;
    for (const auto& r : routes_) {
      std::vector<std::pair<std::string, std::string>> params;
      int score = 0;
      if (!match_route(r, segs, params, score)) continue;
      bool method_ok = r.method == method || r.method == "*" || (method == "HEAD" && r.method == "GET");
      if (!method_ok) {
        add_unique(allowed, r.method);
        continue;
      }
      // Exact method beats HEAD->GET and "*", then specificity decides.
      score = score * 4 + (r.method == method ? 2 : 0);
      if (score > best_score) {
        best_score = score;
        best.kind = Match::Kind::Found;
        best.handler = &r.handler;
        best.params = std::move(params);
      }
    }
    if (best.kind == Match::Kind::Found || allowed.empty()) return best;
    best.kind = Match::Kind::MethodNotAllowed;
    if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end()) add_unique(allowed, "HEAD");
    // Insertion sort: a handful of methods, and std::sort would cost a module ~1 KB.
    for (size_t i = 1; i < allowed.size(); ++i)
      for (size_t j = i; j > 0 && allowed[j] < allowed[j - 1]; --j) std::swap(allowed[j], allowed[j - 1]);
    for (const auto& m : allowed) best.allow += (best.allow.empty() ? "" : ", ") + m;
    return best;
  }

  bool empty() const { return routes_.empty(); }

  // Path segments without empty ones: "/a//b/" -> {"a", "b"}.
  static std::vector<std::string_view> split(std::string_view path) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < path.size()) {
      size_t j = path.find('/', i);
      if (j == std::string_view::npos) j = path.size();
      if (j > i) out.push_back(path.substr(i, j - i));
      i = j + 1;
    }
    return out;
  }

 private:
  struct Segment {
    enum Kind { Literal, Param, Wildcard } kind = Literal;
    std::string text;
  };
  struct Route {
    std::string method;
    std::vector<Segment> segments;
    Handler handler;
  };

  static void add_unique(std::vector<std::string>& v, const std::string& s) {
    if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
  }

  // Score: per segment 2 for a literal, 1 for a parameter; a wildcard adds nothing.
  static bool match_route(const Route& r, const std::vector<std::string_view>& segs,
                          std::vector<std::pair<std::string, std::string>>& params, int& score) {
    size_t i = 0;
    for (const auto& s : r.segments) {
      if (s.kind == Segment::Wildcard) {
        std::string rest;
        for (size_t k = i; k < segs.size(); ++k) rest += (k > i ? "/" : "") + url_decode(segs[k]);
        params.emplace_back("*", std::move(rest));
        return true;
      }
      if (i >= segs.size()) return false;
      if (s.kind == Segment::Literal) {
        if (s.text != segs[i]) return false;
        score += 2;
      } else {
        params.emplace_back(s.text, url_decode(segs[i]));
        score += 1;
      }
      ++i;
    }
    return i == segs.size();
  }

  std::vector<Route> routes_;
};

}  // namespace edge
