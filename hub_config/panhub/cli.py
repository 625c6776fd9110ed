"""The ``panhub`` command for operators.

``panhub demo up``        create the demo accounts, start the proxy and the hub
``panhub demo down``      stop the hub and the proxy, cancel the demo's server jobs
``panhub accounts sync``  POSIX groups and proposal folders from the proposal source
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from panhub import demo
from panhub.accounts import apply_plan, describe, make_sync_plan, read_groups, read_users
from panhub.mounts import Layout
from panhub.proposals import CatalogueSource, InvalidProposal, ProposalDirectory, StaticFileSource


def _seed_logbook(catalogue: Path, db: str, source: StaticFileSource, marker: Path) -> None:
    """One beamline notification per demo proposal, the first time the demo comes up."""
    if marker.exists():
        return
    for proposal in source.get_directory().proposals:
        text = f"{proposal.beamline}: sample data recorded by the acquisition system (demo)"
        argv = [str(catalogue), "logbook", "add", "--db", db, "--investigation", proposal.id]
        demo.run([*argv, "--tag", "demo", text], timeout=60)
    marker.write_text("the demo's logbook entries were added\n")


def _demo_up(args: argparse.Namespace) -> int:
    config = Path(args.config).resolve()
    inst = demo.demo_instance(config, Path(args.state_dir))
    demo.ensure_demo_accounts()
    proposals = config.parent / "demo" / "proposals.toml"
    layout = Layout()
    source = StaticFileSource(proposals)
    plan = make_sync_plan(
        source.get_directory(), layout, read_groups(layout.group_prefix), read_users()
    )
    apply_plan(plan)
    demo.run(
        [sys.executable, str(config.parent / "demo" / "make_data.py"), str(proposals), layout.root],
        timeout=600,
    )
    catalogue = Path(sys.prefix) / "bin" / "panhub-catalogue"
    db = f"sqlite:///{inst.state_dir}/catalogue.sqlite"
    # membership first (files grant none), then the files
    demo.run([str(catalogue), "members", "import", "--db", db, str(proposals)], timeout=120)
    demo.run(
        [
            str(catalogue),
            "index",
            "--db",
            db,
            "--root",
            layout.root,
            "--no-progress",
            "--prune",
            layout.root,
        ],
        timeout=600,
    )
    _seed_logbook(catalogue, db, source, inst.path("logbook-seeded"))
    demo.start_proxy(inst)
    demo.start_hub(inst)
    # the hub starts its services, and the proxy's routes to them, after its own API
    catalogue_url = f"{inst.public_url}/services/catalogue/api/investigations"
    if not demo.wait_until(lambda: demo.http_status(catalogue_url) == 200, 60, interval=0.2):
        print(f"warning: the catalogue does not answer yet at {catalogue_url}", file=sys.stderr)
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
    plan = make_sync_plan(directory, layout, read_groups(layout.group_prefix), read_users())
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
    accounts.add_argument("--dry-run", action="store_true", help="print the plan only")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``panhub``."""
    args = make_parser().parse_args(argv)
    if args.command == "demo":
        return _demo_up(args) if args.action == "up" else _demo_down(args)
    return _accounts_sync(args)


if __name__ == "__main__":
    sys.exit(main())
