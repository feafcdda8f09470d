# Shared by the benchmark scripts (sourced, from the repository's root):
# logging, Debian packages installed when missing, and the release build.

log() { printf '==> %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# need COMMAND PACKAGE: installs the Debian package when COMMAND is missing
# (COMMAND may be a path).
need() {
  local command=$1 package=$2
  if command -v "$command" >/dev/null || [ -x "$command" ]; then return; fi
  log "installing $package (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -qq "$package" >/dev/null 2>&1 || {
    as_root apt-get update -qq
    as_root apt-get install -y -qq "$package" >/dev/null
  }
}

# build_slogen: a release build of this checkout; sets SLOGEN to its path.
build_slogen() {
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
  log "building slogen (release, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  cargo build --release --locked --quiet
  case "$CARGO_TARGET_DIR" in
    /*) SLOGEN="$CARGO_TARGET_DIR/release/slogen" ;;
    *) SLOGEN="$(pwd)/$CARGO_TARGET_DIR/release/slogen" ;;
  esac
}
