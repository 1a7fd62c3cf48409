#!/usr/bin/env bash
# The repository carries its own contracts: every docs/... page a file cites exists, every
# section of docs/reference/*.md cited as §N or §N.M exists there (a "### N.M" heading, or item
# M of the numbered list in "## N."), and nothing cites the contracts that used to live outside
# the repository (STYLE.md, threats.md, interface.md, wstrust-contract.md, shared/...).
set -uo pipefail
src="${1:?usage: doc_citations_test.sh SOURCE_DIR}"
cd "$src" || exit 1

roots=(README.md CMakeLists.txt bench cmake common deploy docker docs proto scripts services
       sigilctl tests)
search() { grep -rIn --exclude-dir=build --exclude-dir=.git "$@" -- "${roots[@]}"; }
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# 1. No citation of a document outside the repository. Allowed spellings are removed first.
while IFS= read -r hit; do
  rest=$(sed -E 's#(docs/)?reference/(threats|interface|wstrust|style)\.md##g;
                 s#docs/performance\.md##g; s#\((\.\./)?performance\.md\)##g;
                 s#\((threats|interface|wstrust|style)\.md\)##g' <<<"${hit#*:*:}")
  if grep -qE 'threats\.md|interface\.md|wstrust-contract\.md|STYLE\.md|shared/reference|shared/STYLE|performance\.md|threat reference' <<<"$rest"; then
    bad "cites a document outside the repository: $hit"
  fi
done < <(search -E 'threats\.md|interface\.md|wstrust-contract\.md|STYLE\.md|shared/|performance\.md|threat reference' \
           --exclude=doc_citations_test.sh)

# 2. Every docs/...md path exists (a "docs/x.md:12" file:line example is not a citation).
while IFS= read -r path; do
  [ -f "$path" ] || bad "cites $path, which does not exist"
done < <(search -oE 'docs/[A-Za-z0-9_./-]*[A-Za-z0-9_]\.md(:[0-9])?' | sed 's/^[^:]*:[^:]*://' |
         grep -vE ':[0-9]$' | sort -u)

# 3. Every cited section of docs/reference/*.md exists.
section_exists() {  # FILE N or N.M
  local file="$1" sec="$2"
  local major="${sec%%.*}" minor=""
  [ "$sec" != "$major" ] && minor="${sec#*.}"
  if [ -z "$minor" ]; then
    grep -qE "^## ${major}\. " "$file"
    return
  fi
  grep -qE "^### ${major}\.${minor} " "$file" && return 0
  awk -v maj="$major" -v item="$minor" '
    /^## / { inside = ($2 == maj ".") }
    inside && $0 ~ ("^" item "\\. ") { found = 1 }
    END { exit !found }' "$file"
}
check_sections() {  # reads "file:line:citation" lines; 1 when a cited section is missing
  local missing=0 hit cite name sec
  while IFS= read -r hit; do
    cite="${hit#*:*:}"
    name=$(grep -oE '(threats|interface|wstrust|style)\.md' <<<"$cite" | head -n 1)
    for sec in $(grep -oE '§[0-9]+(\.[0-9]+)?' <<<"$cite" | tr -d '§'); do
      section_exists "docs/reference/$name" "$sec" && continue
      echo "FAIL: ${hit%%:*} cites docs/reference/$name §$sec, which has no such section"
      missing=1
    done
  done
  return "$missing"
}
secs='§[0-9]+(\.[0-9]+)?(((,| and)? ?-? ?)§[0-9]+(\.[0-9]+)?)*'
{
  search -oE "(docs/)?reference/(threats|interface|wstrust|style)\.md\)? ${secs}"
  grep -rInoE "\((threats|interface|wstrust|style)\.md\) ${secs}" docs/reference
} | check_sections || fail=1

if [ "$fail" -ne 0 ]; then exit 1; fi
echo "PASS: every cited page and docs/reference section exists; nothing cites outside the repository"
