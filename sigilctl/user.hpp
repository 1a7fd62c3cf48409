#pragma once
// `sigilctl user add NAME [--group G]... --password-stdin | user list | user remove NAME |
// user unlock NAME | user group add|remove NAME GROUP` and `sigilctl solution-user add NAME
// --cert FILE [--group G]... | solution-user list | solution-user group add|remove NAME GROUP`
// (PostgreSQL directly: the bootstrap; see local_db.hpp).

#include <cstdio>
#include <span>
#include <string>

#include "config.hpp"

namespace sigil::ctl {

inline constexpr char kUserHelp[] =
    "Usage: sigilctl [--tenant T] user add NAME [--group G]... --password-stdin\n"
    "                [--first-name N] [--last-name N]\n"
    "       sigilctl [--tenant T] user list | user remove NAME | user unlock NAME\n"
    "       sigilctl [--tenant T] user group add|remove NAME GROUP\n"
    "The password is read from the first line of standard input and stored as an scrypt hash.\n"
    "unlock clears the user's failed logins and locks from every address (audited).\n"
    "Members of group Administrators may use certmgr's admin API with a token from sts.\n"
    "Talks to PostgreSQL directly (--db): the bootstrap of the first administrator.\n";

inline constexpr char kSolutionUserHelp[] =
    "Usage: sigilctl [--tenant T] solution-user add NAME --cert FILE [--group G]...\n"
    "       sigilctl [--tenant T] solution-user list\n"
    "       sigilctl [--tenant T] solution-user group add|remove NAME GROUP\n"
    "A solution user is identified by its exact certificate (SHA-256 of the DER). In group\n"
    "ActAsUsers it may ActAs (delegation): get tokens of users who delegated to it. In group\n"
    "Administrators, its certificate is an admin client certificate for certmgr's admin API\n"
    "(see also admin-cert create). Talks to PostgreSQL directly (--db): the bootstrap.\n";

int run_user(const SigilctlConfig& cfg, std::span<const std::string> args, std::FILE* out,
             std::FILE* err);
int run_solution_user(const SigilctlConfig& cfg, std::span<const std::string> args,
                      std::FILE* out, std::FILE* err);

}  // namespace sigil::ctl
