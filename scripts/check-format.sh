#!/usr/bin/env bash
# Checks that the C++ sources follow .clang-format, with the pinned
# clang-format (versions differ in how they format the same code). Changes
# nothing: prints the files that drift and fails if there is any.
#   scripts/check-format.sh [FILE...]   (default: lib/ jobctl/ worker/ tests/)
# To fix a file: clang-format-14 -i FILE
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install-missing.sh" clang-format-14
cd "$root"

if (($#)); then
  files=("$@")
else
  mapfile -t files < <(find lib jobctl worker tests -type f \( -name '*.cpp' -o -name '*.hpp' \) | sort)
fi

drifted=()
for file in "${files[@]}"; do
  clang-format-14 --style=file --dry-run --Werror "$file" 2>/dev/null || drifted+=("$file")
done

if ((${#drifted[@]})); then
  echo "check-format: ${#drifted[@]} of ${#files[@]} files differ from clang-format-14 --style=file:"
  printf '  %s\n' "${drifted[@]}"
  exit 1
fi
echo "check-format: all ${#files[@]} file(s) follow .clang-format"
