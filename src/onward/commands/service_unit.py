"""The systemd user unit for `onward watch`. scripts/onward.service is this unit for the paths a
`pipx install` and the default config give; `onward config unit` renders it for this install and
this config (the onward that runs the command, the folder of `database`)."""

from __future__ import annotations

import sys
from pathlib import Path

from onward.config import Config

UNIT = """\
# systemd user unit for `onward watch`.
#   onward config unit > ~/.config/systemd/user/onward.service   (or copy scripts/onward.service)
#   systemctl --user daemon-reload && systemctl --user enable --now onward
#   journalctl --user -u onward -f          # its logs
# Secrets: use password_command or password_keyring in the config, or put
# ONWARD_<NAME>_PASSWORD=... in ~/.config/onward/env (chmod 600) and keep EnvironmentFile below.
[Unit]
Description=onward: watch the mailbox for job rejections and draft feedback requests
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
EnvironmentFile=-%h/.config/onward/env
ExecStart={exec_start} watch
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=30
# exit 2 is a config error: restarting cannot fix it (`onward config check` says what is wrong)
RestartPreventExitStatus=2
# onward needs its config, its database folder, the network and (for password_keyring) D-Bus
ProtectSystem=strict
ReadWritePaths={writable}
PrivateTmp=yes
PrivateDevices=yes
NoNewPrivileges=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
UMask=0077

[Install]
WantedBy=default.target
"""

PIPX_EXECUTABLE = "%h/.local/bin/onward"
DEFAULT_WRITABLE = "%h/.local/share/onward"


def render_unit(exec_start: str = PIPX_EXECUTABLE, writable: str = DEFAULT_WRITABLE) -> str:
    return UNIT.format(exec_start=exec_start, writable=writable)


def _unit_word(text: str) -> str:
    """A path as one word of a unit file: '%' is a specifier there, spaces need quotes."""
    text = text.replace("%", "%%")
    return f'"{text}"' if any(c.isspace() for c in text) else text


def unit_for(config: Config) -> str:
    """The unit for the onward running now (a pipx install, a venv, ...) and the configured database."""
    if sys.argv[0].endswith("__main__.py"):  # python -m onward
        exec_start = f"{_unit_word(sys.executable)} -m onward"
    else:
        exec_start = _unit_word(str(Path(sys.argv[0]).absolute()))
    if config.source is not None:
        exec_start += f" --config {_unit_word(str(config.source.absolute()))}"
    return render_unit(exec_start, _unit_word(str(config.database.parent.absolute())))

