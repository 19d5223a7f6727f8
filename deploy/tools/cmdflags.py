"""Flags of storeseg's commands, read from their Go source, for the deployment checks.

The deployment files pass flags (command lines) and STORESEG_* variables (the consumer and
producer read STORESEG_<FLAG> for every flag) to the commands; check_compose.py and
check_k8s.py verify each one against the flags the code defines, so a renamed flag fails the
check instead of the container.
"""

import pathlib
import re

# fs.StringVar(&o.x, "name", ...), fs.IntVar(...), and fs.Int("name", ...) styles.
_VAR = re.compile(r'\bfs\.(?:String|Int|Int64|Uint|Uint64|Float64|Bool|Duration|Text|Func|Bool)Var\(\s*[^,]+,\s*"([a-z0-9-]+)"')
_VAL = re.compile(r'\bfs\.(?:String|Int|Int64|Uint|Uint64|Float64|Bool|Duration)\(\s*"([a-z0-9-]+)"')

# Which source files define the flags of each command (refit: per subcommand).
SOURCES = {
    "consumer": ["cmd/consumer/flags.go"],
    "producer": ["cmd/producer/run.go"],
    "refit run": ["cmd/refit/run.go"],
    "refit generate": ["cmd/refit/generate.go"],
}

# Variables every command reads besides STORESEG_<FLAG>.
COMMON_ENV = {"KAFKA_BROKERS", "MLFLOW_TRACKING_URI"}


def flags(repo, command):
    """Return the set of flag names of command ("consumer", "producer", "refit run", ...)."""
    names = set()
    for rel in SOURCES[command]:
        src = (pathlib.Path(repo) / rel).read_text()
        names |= set(_VAR.findall(src)) | set(_VAL.findall(src))
    if not names:
        raise SystemExit(f"cmdflags: no flags found for {command} in {SOURCES[command]}")
    return names


def env_name(flag):
    """STORESEG_<FLAG>: the variable the consumer and producer read for flag."""
    return "STORESEG_" + flag.upper().replace("-", "_")


def check_env(repo, command, env, where, allowed_extra=()):
    """Problems with the variables env (a mapping) passed to command."""
    known = {env_name(f) for f in flags(repo, command)} | COMMON_ENV | set(allowed_extra)
    out = []
    for name in env:
        if name.startswith("STORESEG_") and name not in known:
            out.append(f"{where}: {name} is no flag of {command} (flags: {sorted(flags(repo, command))})")
    return out


def check_args(repo, command, args, where):
    """Problems with the flags named in args (a list of words) of command."""
    known = flags(repo, command)
    out = []
    for a in args:
        m = re.match(r"^--?([a-z][a-z0-9-]*)(=.*)?$", a)
        if m and m.group(1) not in known and m.group(1) not in ("h", "help"):
            out.append(f"{where}: --{m.group(1)} is no flag of {command}")
    return out
