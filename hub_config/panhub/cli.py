"""The ``panhub`` command for operators.

``panhub demo up``        create the demo accounts, start the proxy and the hub
``panhub demo down``      stop the hub and the proxy, cancel the demo's server jobs
``panhub accounts sync``  POSIX groups and proposal folders from the proposal source
``panhub kernels ...``    staff kernels: build, list, check, retire, lock (panhub.kernels)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from panhub import demo
from panhub.accounts import apply_plan, describe, make_plan
from panhub.kernels import commands as kernels
from panhub.kernels.build import BuildError
from panhub.kernels.config import Kernels, load_config
from panhub.kernels.prefix import PrefixError
from panhub.kernels.progress import ProgressLine
from panhub.kernels.spec import SpecError
from panhub.mounts import Layout
from panhub.proposals import CatalogueSource, InvalidProposal, ProposalDirectory, StaticFileSource


def _demo_up(args: argparse.Namespace) -> int:
    inst = demo.demo_instance(Path(args.config).resolve(), Path(args.state_dir))
    demo.bring_up(inst)
    print(f"\npanhub demo is up: {inst.public_url}/hub/login\n")
    print(f"Log in as any of these users, password '{demo.DEMO_PASSWORD}':")
    for user in demo.DEMO_USERS:
        print(f"  {user.name:8s} {user.role:28s} proposals {', '.join(user.proposals)}")
    print(f"\nAdmin API token: {inst.path('api_token')}; logs: {inst.hub_dir}/*.log, "
          f"{inst.catalogue_dir}/catalogue.log")  # fmt: skip
    print("Stop everything with: make demo-stop")
    return 0


def _demo_down(args: argparse.Namespace) -> int:
    inst = demo.demo_instance(Path(args.config).resolve(), Path(args.state_dir))
    demo.stop(inst)
    cancelled = demo.cancel_jobs(f"jhub-{inst.name}-")
    print(f"panhub demo hub and proxy stopped; {len(cancelled)} server jobs cancelled")
    return 0


def _accounts_sync(args: argparse.Namespace) -> int:
    source: ProposalDirectory
    if args.source == "static":
        source = StaticFileSource(args.path)
    else:
        source = CatalogueSource(args.url, args.token)
    layout = Layout(root=args.root, view=args.view, group_prefix=args.group_prefix)
    try:
        directory = source.get_directory()
    except (InvalidProposal, OSError, ValueError) as exc:
        print(f"panhub accounts sync: {exc}", file=sys.stderr)
        return 1
    plan = make_plan(directory, layout, args.reader_group)
    for name in plan.unknown_users:
        print(f"warning: no Unix account {name!r}: not added to any group", file=sys.stderr)
    if args.dry_run:
        for action in plan.actions:
            print(describe(action))
        return 0
    for line in apply_plan(plan):
        print(line)
    print(f"synced {len(directory.proposals)} proposals under {layout.root}")
    return 0


def _kernel_settings(args: argparse.Namespace) -> Kernels:
    settings = Kernels(config=load_config(args.config))
    for option in ("prefix", "panhub_wheel"):
        if getattr(args, option, None):
            setattr(settings, option, getattr(args, option))
    if args.source:
        settings.sources = args.source
    return settings


def _kernels(args: argparse.Namespace) -> int:
    settings = _kernel_settings(args)
    try:
        if args.action == "build":
            steps = kernels.plan_build(settings, args.names)
            errors = kernels.build(settings, steps, ProgressLine(len(steps)))
            for error in errors:
                print(f"panhub kernels build: {error}", file=sys.stderr)
            return 1 if errors else 0
        if args.action == "list":
            print(f"{'kernel':24s} {'technique':22s} {'size':>8s}  {'built':25s} retired")
            for row in kernels.list_kernels(settings):
                size = f"{row.size_bytes / 1e6:.0f} MB"
                print(f"{row.name + ' ' + row.version:24s} {row.technique:22s} {size:>8s}  "
                      f"{row.built:25s} {'yes' if row.retired else 'no'}")  # fmt: skip
            return 0
        if args.action == "check":
            broken = [r.kernel_id for r in kernels.check(settings) if r.problems]
            if broken:
                print(f"panhub kernels check: broken: {', '.join(broken)}", file=sys.stderr)
            return 1 if broken else 0
        if args.action == "retire":
            name, version = args.names if len(args.names) == 2 else ("", "")
            if not name:
                print("panhub kernels retire: give NAME VERSION", file=sys.stderr)
                return 2
            kernels.retire(settings, name, version)
            print(f"retired {name}-{version}: hidden from the Launcher, still startable")
            return 0
        kernels.lock(settings, args.names, upgrade=args.upgrade)
        return 0
    except (SpecError, BuildError, PrefixError) as exc:
        print(f"panhub kernels {args.action}: {exc}", file=sys.stderr)
        return 1


def _add_kernels_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "kernels",
        help="staff kernels in the shared prefix",
        description="build [NAME...]: build what changed; list; check: does every kernel "
        "start; retire NAME VERSION: hide from the Launcher; lock [NAME...]: remake locks",
    )
    parser.add_argument("action", choices=["build", "list", "check", "retire", "lock"])
    parser.add_argument("names", nargs="*", help="kernel names (retire: NAME VERSION)")
    parser.add_argument("--config", help="a traitlets config file setting c.Kernels.*")
    parser.add_argument("--prefix", help="the shared prefix (c.Kernels.prefix)")
    parser.add_argument(
        "--source", action="append", help="a folder of kernel folders (c.Kernels.sources)"
    )
    parser.add_argument("--panhub-wheel", help="panhub's wheel (c.Kernels.panhub_wheel)")
    parser.add_argument(
        "--upgrade", action="store_true", help="lock: newest versions, not the locked ones"
    )


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
    accounts = commands.add_parser("accounts", help="POSIX groups and folders of proposals")
    accounts.add_argument("action", choices=["sync"])
    accounts.add_argument("--source", choices=["static", "catalogue"], default="static")
    accounts.add_argument("--path", help="TOML file of the static source")
    accounts.add_argument("--url", help="catalogue service URL")
    accounts.add_argument("--token", help="catalogue service token")
    accounts.add_argument("--root", default="/srv/proposals", help="proposals root")
    accounts.add_argument("--view", default="/data", help="where servers see proposals")
    accounts.add_argument("--group-prefix", default="prop-")
    accounts.add_argument(
        "--reader-group",
        default="",
        help="a group that may read every proposal's data through ACLs (the catalogue "
        "indexer's, e.g. panhub-readers); default: none",
    )
    accounts.add_argument("--dry-run", action="store_true", help="print the plan only")
    _add_kernels_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``panhub``."""
    args = make_parser().parse_args(argv)
    if args.command == "demo":
        return _demo_up(args) if args.action == "up" else _demo_down(args)
    if args.command == "kernels":
        return _kernels(args)
    return _accounts_sync(args)


if __name__ == "__main__":
    sys.exit(main())
