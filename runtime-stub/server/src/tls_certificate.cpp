#include "tls_certificate.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <fmt/core.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "edge/core/tls_fingerprint.hpp"

namespace edge::node {
namespace fs = std::filesystem;

namespace {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

std::string fingerprint_of(X509* cert) {
  Sha256 digest{};
  unsigned n = 0;
  if (X509_digest(cert, EVP_sha256(), digest.data(), &n) != 1 || n != digest.size()) return {};
  return fingerprint_text(digest);
}

bool is_ip(const std::string& name) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

// This machine's names: host name, localhost, and its interfaces' addresses (IPv6 link-local
// ones aside: a URL cannot name them without a zone).
std::vector<std::string> own_names() {
  std::vector<std::string> names = {"localhost"};
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0 && *host) names.emplace_back(host);
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* a = list; a; a = a->ifa_next) {
      if (!a->ifa_addr) continue;
      char text[INET6_ADDRSTRLEN] = {};
      if (a->ifa_addr->sa_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
      } else if (a->ifa_addr->sa_family == AF_INET6) {
        const auto& addr = reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr;
        if (IN6_IS_ADDR_LINKLOCAL(&addr)) continue;
        inet_ntop(AF_INET6, &addr, text, sizeof text);
      }
      if (*text) names.emplace_back(text);
    }
    freeifaddrs(list);
  }
  return names;
}

bool add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// Created (or replaced) with `mode`, whatever the umask.
FilePtr open_for_writing(const fs::path& path, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return nullptr;
  ::fchmod(fd, mode);
  return FilePtr(::fdopen(fd, "w"));
}

}  // namespace

Result<std::string> certificate_fingerprint(const fs::path& pem) {
  FilePtr f(std::fopen(pem.c_str(), "r"));
  if (!f) return make_error(fmt::format("cannot read {}: {}", pem.string(), std::strerror(errno)));
  X509Ptr cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
  if (!cert) return make_error(fmt::format("{} holds no PEM certificate", pem.string()));
  return fingerprint_of(cert.get());
}

Result<SelfSigned> make_self_signed(const fs::path& dir, std::vector<std::string> names, int days, bool replace) {
  SelfSigned out{dir / "cert.pem", dir / "key.pem", {}, {}};
  std::error_code ec;
  if (!replace && (fs::exists(out.cert, ec) || fs::exists(out.key, ec)))
    return make_error(
        fmt::format("{} already holds a certificate (cert.pem, key.pem)", dir.string()),
        "keep it (the node prints its fingerprint when it starts with it), or make a new one with --replace");
  fs::create_directories(dir, ec);
  if (ec) return make_error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));

  for (auto& n : own_names()) names.push_back(std::move(n));
  std::vector<std::string> unique;
  for (auto& n : names)
    if (!n.empty() && std::find(unique.begin(), unique.end(), n) == unique.end()) unique.push_back(std::move(n));
  std::string alt_names;
  for (const auto& n : unique) alt_names += (alt_names.empty() ? "" : ",") + std::string(is_ip(n) ? "IP:" : "DNS:") + n;

  KeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr cert(X509_new());
  if (!key || !cert) return make_error("OpenSSL could not make a key");
  uint64_t serial = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial >> 1);  // positive
  X509_set_version(cert.get(), 2);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // a device whose clock is a little behind
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const std::string common_name = "edge-node " + unique.front();
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  const bool extended = add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
                        add_extension(cert.get(), NID_key_usage, "critical,digitalSignature") &&
                        add_extension(cert.get(), NID_ext_key_usage, "serverAuth") &&
                        add_extension(cert.get(), NID_subject_key_identifier, "hash") &&
                        add_extension(cert.get(), NID_subject_alt_name, alt_names);
  if (!extended)
    return make_error("a name cannot go into a certificate: " + alt_names, "give host names or IP addresses");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) return make_error("OpenSSL could not sign the certificate");

  FilePtr key_file = open_for_writing(out.key, 0600);
  if (!key_file || PEM_write_PrivateKey(key_file.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return make_error(fmt::format("cannot write {}", out.key.string()));
  FilePtr cert_file = open_for_writing(out.cert, 0644);
  if (!cert_file || PEM_write_X509(cert_file.get(), cert.get()) != 1)
    return make_error(fmt::format("cannot write {}", out.cert.string()));
  out.fingerprint = fingerprint_of(cert.get());
  out.names = std::move(unique);
  return out;
}

}  // namespace edge::node
