# bash completion for jobctl. The candidates come from jobctl itself:
# `jobctl __complete WORD...` (jobctl/completion.hpp) knows the verbs and
# options of --help, the states and the jobs of the current repository. This
# script only hands it the words and shows its answer.
# Load it from a checkout with:  source jobctl/completions/jobctl.bash

_jobctl() {
  # COMP_WORDS is split at COMP_WORDBREAKS too (--state=Failed, build:1):
  # glue back the pieces that no blank separates on the line.
  local line=${COMP_LINE:0:COMP_POINT} words=() word i glued
  for ((i = 0; i <= COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    glued=$((i > 0))
    if [[ $line =~ ^[[:space:]]+ ]]; then
      line=${line:${#BASH_REMATCH}}
      glued=0
    fi
    ((i == COMP_CWORD)) && word=$line # only what is before the cursor
    line=${line:${#word}}
    if ((glued)); then words[-1]+=$word; else words+=("$word"); fi
  done
  local current=${words[-1]}
  # Readline replaces only what follows the last word-break character.
  local replaced=${current##*[$COMP_WORDBREAKS]}
  local kept=${current:0:${#current}-${#replaced}}

  local program=${words[0]/#\~/$HOME} output
  output=$("$program" __complete "${words[@]:1}" 2>/dev/null) || return 0
  local lines=() candidate
  mapfile -t lines <<<"$output"
  COMPREPLY=()
  for candidate in "${lines[@]:1}"; do
    candidate=${candidate%%$'\t'*} # bash shows no descriptions
    candidate=${candidate#"$kept"}
    [[ $candidate == *[[:space:]\'\"\\\$\`\;\&\|\<\>\(\)\*\?\[]* ]] && printf -v candidate %q "$candidate"
    COMPREPLY+=("$candidate")
  done
  case ${lines[0]} in
  files) mapfile -t -O ${#COMPREPLY[@]} COMPREPLY < <(compgen -f -- "$replaced") ;;
  directories) mapfile -t -O ${#COMPREPLY[@]} COMPREPLY < <(compgen -d -- "$replaced") ;;
  commands) mapfile -t -O ${#COMPREPLY[@]} COMPREPLY < <(compgen -c -- "$replaced") ;;
  esac
  case ${lines[0]} in
  files | directories) compopt -o filenames 2>/dev/null ;;
  esac
  return 0
}
complete -F _jobctl jobctl
