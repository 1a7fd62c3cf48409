#include "sts_fixture.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "sigil/crypto/envelope.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/tls_context.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/db/connection.hpp"
#include "sigil/db/migrations.hpp"

namespace sigil::bench {
namespace {

using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The port in "event=listener.started listener=NAME addr=127.0.0.1:PORT", once the line is
// complete.
std::optional<std::uint16_t> listener_port(const std::string& log, const std::string& name) {
  const std::string needle = "event=listener.started listener=" + name + " addr=";
  auto at = log.find(needle);
  if (at == std::string::npos) return std::nullopt;
  auto end = log.find_first_of(" \n", at + needle.size());
  if (end == std::string::npos) return std::nullopt;
  std::string addr = log.substr(at + needle.size(), end - at - needle.size());
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  return static_cast<std::uint16_t>(std::stoi(addr.substr(colon + 1)));
}

// Starts `argv` with stdout and stderr to `log_path`, and waits until its log names the port of
// `listener`.
Result<std::uint16_t> spawn_listening(const std::vector<std::string>& argv,
                                      const std::string& log_path, const std::string& listener,
                                      std::optional<testing::ChildProcess>& child) {
  testing::SpawnOptions o;
  o.stderr_path = log_path;
  o.stdout_path = log_path;
  SIGIL_TRY(child, testing::spawn_process(argv, o));
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto port = listener_port(read_file(log_path), listener)) return *port;
    if (!child->running()) break;
    std::this_thread::sleep_for(20ms);
  }
  return fail(Errc::kUnavailable,
              argv[0] + " did not start listening (" + listener + "); log:\n" + read_file(log_path));
}

Result<void> expect_success(const Result<testing::ProcessResult>& r, const std::string& what) {
  if (!r) return unexpected(r.error());
  if (r->exit_code != 0) {
    return fail(Errc::kInternal,
                what + " failed (exit " + std::to_string(r->exit_code) + "): " + r->err + r->out);
  }
  return {};
}

}  // namespace

StsFixture::StsFixture(StsFixtureOptions options, testing::TempDir dir)
    : options_(std::move(options)), dir_(std::move(dir)) {}

StsFixture::~StsFixture() {
  for (auto* child : {&sts_, &certmgr_}) {
    if (*child && (*child)->running()) {
      (void)(*child)->kill(SIGTERM);
      (void)(*child)->wait(5s);
    }
    child->reset();
  }
  pg_.reset();
}

std::string StsFixture::path(const std::string& name) const {
  return (dir_.path() / name).string();
}

std::string StsFixture::sts_log_path() const { return path("sts.log"); }

std::string StsFixture::sts_log() const { return read_file(sts_log_path()); }

Result<std::unique_ptr<StsFixture>> StsFixture::start(const StsFixtureOptions& options) {
  SIGIL_TRY(testing::TempDir dir, testing::TempDir::create("sigil-sts-bench-"));
  std::unique_ptr<StsFixture> f(new StsFixture(options, std::move(dir)));
  SIGIL_TRY_VOID(f->set_up_database());
  SIGIL_TRY_VOID(f->set_up_principals());
  SIGIL_TRY_VOID(f->start_sts());
  SIGIL_TRY_VOID(f->make_client_contexts());
  return f;
}

Result<void> StsFixture::set_up_database() {
  SIGIL_TRY(pg_, testing::PgCluster::start());
  SIGIL_TRY(auto admin, db::connect(pg_->conninfo_for("postgres")));
  SIGIL_TRY_VOID(
      db::execute_outside_transaction(*admin, "create database sigil", "create database"));
  conninfo_ = pg_->conninfo_for("sigil");
  SIGIL_TRY(auto report, db::migrate(conninfo_));
  (void)report;
  return crypto::create_master_key_file(path("master.key"));
}

Result<testing::ProcessResult> StsFixture::sigilctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{options_.sigilctl_binary};
  argv.insert(argv.end(), args.begin(), args.end());
  testing::ProcessOptions o;
  o.env = {"SIGIL_DB=" + conninfo_, "SIGIL_HOME=" + path(""),
           "SIGIL_MASTER_KEY_FILE=" + path("master.key")};
  o.env.insert(o.env.end(), api_env_.begin(), api_env_.end());
  o.timeout = 60s;
  return testing::run_process(argv, o);
}

Result<void> StsFixture::set_up_principals() {
  SIGIL_TRY_VOID(expect_success(sigilctl({"tenant", "create", options_.tenant}), "tenant create"));
  testing::ProcessOptions o;
  o.timeout = 60s;
  auto cert = testing::run_process(
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("svc.key"),
       "-out", path("svc.pem"), "-days", "30", "-subj", "/CN=" + options_.solution_user},
      o);
  SIGIL_TRY_VOID(expect_success(cert, "openssl req"));
  return expect_success(sigilctl({"--tenant", options_.tenant, "solution-user", "add",
                                  options_.solution_user, "--cert", path("svc.pem")}),
                        "solution-user add");
}

Result<void> StsFixture::start_sts() {
  std::vector<std::string> argv{options_.sts_binary,
                                "--listen",
                                "127.0.0.1:0",
                                "--metrics-listen",
                                "127.0.0.1:0",
                                "--threads",
                                std::to_string(options_.threads),
                                "--db",
                                conninfo_,
                                "--home",
                                path(""),
                                "--master-key-file",
                                path("master.key"),
                                "--hostname",
                                "localhost",
                                "--client-cert",
                                options_.client_cert_mode,
                                "--log-level",
                                options_.log_level,
                                // The load generator is one client on one address.
                                "--max-connections-per-address",
                                "0"};
  SIGIL_TRY(port_, spawn_listening(argv, sts_log_path(), "main", sts_));
  return {};
}

// As in docs/admin-api.md: the admin certificate is registered on PostgreSQL directly; certmgr
// shares sts's home, so its admin API presents tls/server.crt, sigilctl's default --ca-file.
Result<void> StsFixture::start_certmgr() {
  SIGIL_TRY_VOID(expect_success(
      sigilctl({"--tenant", options_.tenant, "admin-cert", "create", "--out-cert",
                path("admin.crt"), "--out-key", path("admin.key")}),
      "admin-cert create"));
  const std::vector<std::string> argv{options_.certmgr_binary, "--listen", "127.0.0.1:0",
                                      "--metrics-listen", "127.0.0.1:0", "--threads", "1",
                                      "--db", conninfo_, "--home", path(""),
                                      "--master-key-file", path("master.key")};
  SIGIL_TRY(auto port, spawn_listening(argv, path("certmgr.log"), "admin", certmgr_));
  api_env_ = {"SIGIL_SERVER=https://127.0.0.1:" + std::to_string(port),
              "SIGIL_CLIENT_CERT=" + path("admin.crt"), "SIGIL_CLIENT_KEY=" + path("admin.key")};
  return {};
}

Result<void> StsFixture::make_client_contexts() {
  SIGIL_TRY(auto key, crypto::read_private_key_pem(read_file(path("svc.key"))));
  SIGIL_TRY(auto cert, crypto::parse_certificate_pem(read_file(path("svc.pem"))));
  crypto::ClientTlsConfig with_cert;
  with_cert.trust_pem = read_file(path("tls/server.crt"));
  with_cert.key = key.get();
  with_cert.certificate = cert.get();
  SIGIL_TRY(client_tls_, crypto::make_client_tls_context(with_cert));
  crypto::ClientTlsConfig anonymous;
  anonymous.trust_pem = with_cert.trust_pem;
  SIGIL_TRY(anonymous_tls_, crypto::make_client_tls_context(anonymous));
  return {};
}

}  // namespace sigil::bench
