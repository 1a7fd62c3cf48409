#include "sigil/testing/pg_environment.hpp"

#include "sigil/db/connection.hpp"
#include "sigil/db/migrations.hpp"

namespace sigil::testing {
namespace {

PgEnvironment* g_instance = nullptr;  // set while main()'s environment exists

}  // namespace

PgEnvironment::PgEnvironment() {
  SIGIL_CHECK(g_instance == nullptr);
  g_instance = this;
}

PgEnvironment::~PgEnvironment() {
  TearDown();
  g_instance = nullptr;
}

PgEnvironment& PgEnvironment::instance() {
  SIGIL_CHECK(g_instance != nullptr);
  return *g_instance;
}

void PgEnvironment::SetUp() {
  auto cluster = PgCluster::start();
  ASSERT_TRUE(cluster) << "cannot start PostgreSQL: " << cluster.error();
  cluster_ = std::move(cluster).value();
  auto admin = db::connect(cluster_->conninfo_for("postgres"));
  ASSERT_TRUE(admin) << admin.error() << "\nserver log: " << cluster_->log_path();
  admin_ = std::move(admin).value();
  auto created = db::execute_outside_transaction(
      *admin_, "CREATE DATABASE " + std::string(kTemplate), "create template database");
  ASSERT_TRUE(created) << created.error();
  auto report = db::migrate(conninfo_for(kTemplate));
  ASSERT_TRUE(report) << "migrating the template failed: " << report.error();
}

void PgEnvironment::TearDown() {
  std::lock_guard lock(mu_);
  admin_.reset();
  cluster_.reset();  // stops the server and removes its directory
}

std::string PgEnvironment::create_database(std::string_view template_db) {
  std::lock_guard lock(mu_);
  if (admin_ == nullptr) {
    ADD_FAILURE() << "PostgreSQL environment is not set up";
    return {};
  }
  const std::string name = "test_" + std::to_string(++next_db_);
  // FILE_COPY: for a small template, copying files beats WAL-logging every page.
  auto r = db::execute_outside_transaction(
      *admin_,
      "CREATE DATABASE " + name + " TEMPLATE " + std::string(template_db) + " STRATEGY FILE_COPY",
      "create test database");
  if (!r) {
    ADD_FAILURE() << r.error();
    return {};
  }
  return conninfo_for(name);
}

std::string PgEnvironment::fresh_database() { return create_database(kTemplate); }

std::string PgEnvironment::empty_database() { return create_database("template0"); }

std::string PgEnvironment::conninfo_for(std::string_view dbname) const {
  return cluster_->conninfo_for(dbname);
}

const std::string& PgEnvironment::socket_dir() const { return cluster_->socket_dir(); }

int PgEnvironment::port() const { return cluster_->port(); }

void PgTest::SetUp() {
  conninfo_ = PgEnvironment::instance().fresh_database();
  ASSERT_FALSE(conninfo_.empty());
}

}  // namespace sigil::testing
