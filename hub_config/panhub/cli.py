"""The ``panhub`` command for operators.

``panhub demo up``    create the demo accounts, start the proxy and the hub
``panhub demo down``  stop the hub and the proxy (running servers' jobs are cancelled)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from panhub import demo


def _demo_up(args: argparse.Namespace) -> int:
    inst = demo.demo_instance(Path(args.config).resolve(), Path(args.state_dir))
    demo.ensure_demo_accounts()
    demo.start_proxy(inst)
    demo.start_hub(inst)
    print(f"\npanhub demo is up: {inst.public_url}/hub/login\n")
    print(f"Log in as any of these users, password '{demo.DEMO_PASSWORD}':")
    for user in demo.DEMO_USERS:
        print(f"  {user.name:8s} {user.role:28s} proposals {', '.join(user.proposals)}")
    print(f"\nAdmin API token: {inst.path('api_token')}; logs: {inst.state_dir}/*.log")
    print("Stop everything with: make demo-stop")
    return 0


def _demo_down(args: argparse.Namespace) -> int:
    inst = demo.demo_instance(Path(args.config).resolve(), Path(args.state_dir))
    demo.stop(inst)
    print("panhub demo hub and proxy stopped")
    return 0


def make_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``panhub`` command."""
    parser = argparse.ArgumentParser(prog="panhub", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="run the demo hub on this machine")
    demo_parser.add_argument("action", choices=["up", "down"])
    demo_parser.add_argument(
        "--config", default="hub_config/jupyterhub_config.py", help="JupyterHub config file"
    )
    demo_parser.add_argument("--state-dir", default="/var/lib/panhub/demo")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``panhub``."""
    args = make_parser().parse_args(argv)
    if args.command == "demo":
        return _demo_up(args) if args.action == "up" else _demo_down(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
