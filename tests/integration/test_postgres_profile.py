"""The demo's production profile: the hub (and the catalogue) on PostgreSQL, no secret leaked.

A hub of this module's own (``pgprod``: public port 8410, proxy API 8411, hub 8491,
catalogue 8495, job names ``jhub-pgprod-...``) on the one-node cluster, with the
databases the production profile gives the demo (``panhub.demo.make_production_env``,
here ``panhub_it19_hub`` and ``panhub_it19_catalogue``), made by the same launcher
(``panhub.demo.prepare_databases``): each password only in a ``pgpass`` file of its
service's account, named by the URL. What is checked:

- the hub's state is in PostgreSQL, not in a SQLite file in the state folder: a server
  survives a SIGKILL of the hub and its restart, same job, still answering;
- the catalogue runs on its own PostgreSQL database too;
- the passwords are in no file a user can read, in no process a user can see (command
  lines, environments: their own server's included), in no log (hub, proxy, catalogue,
  PostgreSQL's), nor in the URLs and command line the hub gets.
"""

from __future__ import annotations

import shutil
import signal
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest
import requests
from panhub import demo, pgdb, site

from tests.support.hub import (
    HubAPI,
    active_jobs,
    admin_api,
    make_instance,
    make_state_dir,
    running_hub,
    squeue,
    wait_for,
)
from tests.support.postgres import drop_database, ensure_postgres, psql

pytestmark = pytest.mark.postgres
PREFIX = "panhub_it19"  # databases panhub_it19_hub, panhub_it19_catalogue (dropped first)
HUB_DB, CATALOGUE_DB = f"{PREFIX}_hub", f"{PREFIX}_catalogue"
JOB = "jhub-pgprod-alice-default"
POSTGRES_LOG = Path("/var/log/postgresql/postgresql-15-main.log")
#: where a user could find a leaked secret: state, logs, configuration, temporary files,
#: SLURM's spool, homes (grep, as the user, reads only what the user may)
USER_READABLE = ("/var/lib/panhub", "/var/lib/slurm", "/var/log", "/etc", "/tmp", "/var/tmp",
                 "/opt/panhub/etc", "/home", "/run")  # fmt: skip


@pytest.fixture(scope="module")
def prod_hub(accounts: tuple[str, ...]) -> Iterator[demo.HubInstance]:
    """The module's hub in the production profile; stopped, jobs cancelled, databases
    dropped after."""
    ensure_postgres()
    for name in (HUB_DB, CATALOGUE_DB):  # what an interrupted run left
        drop_database(name)
    state = make_state_dir("pgprod")
    env = {**demo.make_production_env(state, prefix=PREFIX), "PANHUB_POLL_INTERVAL": "3"}
    inst = replace(make_instance("pgprod", state, 8410, env), catalogue_port=8495)
    try:
        cancel = partial(demo.cancel_jobs, "jhub-pgprod-")
        with running_hub(inst, cancel, [inst.catalogue_dir / "catalogue.log"]):
            yield inst
    finally:
        for name in (HUB_DB, CATALOGUE_DB):
            drop_database(name)
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def alice(prod_hub: demo.HubInstance) -> Iterator[dict[str, object]]:
    """alice's default server, running (its model)."""
    api = admin_api(prod_hub)
    yield api.start("alice", {"cpus": 1, "memory_gb": 1})
    api.stop("alice", timeout=90)
    assert not active_jobs(JOB)


def passwords(inst: demo.HubInstance) -> dict[str, str]:
    """Each database's password, from its password file (read as root)."""
    found = {}
    for url in (inst.env["PANHUB_DB_URL"], inst.catalogue_db):
        db = pgdb.find_local_database(url)
        assert db is not None, url
        password = pgdb.read_pgpass_password(db.passfile.read_text(), db)
        assert password, f"no password for {db.database} in {db.passfile}"
        found[db.database] = password
    return found


def answers(api: HubAPI, user: str) -> bool:
    r = requests.get(f"{api.base}/user/{user}/api/status", headers=api.as_user(user).headers,
                     timeout=30)  # fmt: skip
    return r.status_code == 200


def test_the_hubs_state_is_in_postgresql_and_survives_a_sigkill(
    prod_hub: demo.HubInstance, alice: dict[str, object]
) -> None:
    api = admin_api(prod_hub)
    job_id = alice["state"]["job_id"]  # type: ignore[index]
    [job] = squeue(job_id=job_id)
    assert (job["name"], job["user"], job["state"]) == (JOB, "alice", "RUNNING")
    # the hub's tables, alice's server and its job are in the profile's database
    assert "alice" in psql("SELECT name FROM users", database=HUB_DB).splitlines()
    assert job_id in psql("SELECT state FROM spawners WHERE state::text LIKE '%job_id%'",
                          database=HUB_DB)  # fmt: skip
    # the catalogue's too, and neither keeps a SQLite file in the state folder
    tables = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    assert int(psql(tables, database=CATALOGUE_DB)) > 0
    # the hub adds the proxy's route to its services after its own API answers
    url = f"{prod_hub.public_url}/services/catalogue/api/investigations"
    wait_for("the catalogue through the proxy",
             lambda: requests.get(url, timeout=30).status_code == 200, 60, interval=0.2)  # fmt: skip
    assert sorted(prod_hub.state_dir.rglob("*.sqlite*")) == []
    before = passwords(prod_hub)

    demo.stop_pid(prod_hub.path("hub.pid"), sig=signal.SIGKILL)
    demo.start_hub(prod_hub)
    assert api.wait_ready("alice", timeout=60)["state"]["job_id"] == job_id
    assert answers(api, "alice")
    assert [j["id"] for j in active_jobs(JOB)] == [job_id]
    # the restart set each role's password again: the same, from the same files
    assert passwords(prod_hub) == before
    assert sorted(prod_hub.state_dir.rglob("*.sqlite*")) == []


def test_the_database_passwords_reach_no_user_and_no_log(
    prod_hub: demo.HubInstance, alice: dict[str, object]
) -> None:
    secrets = passwords(prod_hub)
    for url, account in ((prod_hub.env["PANHUB_DB_URL"], site.HUB_ACCOUNT),
                         (prod_hub.catalogue_db, site.CATALOGUE_ACCOUNT)):  # fmt: skip
        db = pgdb.find_local_database(url)
        assert db is not None
        info = db.passfile.stat()
        assert (stat.S_IMODE(info.st_mode), info.st_uid) == (
            0o600,
            site.Account.lookup(account).uid,
        )
        denied = subprocess.run(["runuser", "-u", "alice", "--", "cat", str(db.passfile)],
                                capture_output=True, text=True, timeout=10)  # fmt: skip
        assert denied.returncode != 0 and not denied.stdout

    hub_pid = demo.read_pid(prod_hub.path("hub.pid"))
    assert hub_pid is not None
    environ = Path(f"/proc/{hub_pid}/environ").read_bytes().decode()
    cmdline = Path(f"/proc/{hub_pid}/cmdline").read_bytes().decode()
    assert f"PANHUB_DB_URL={prod_hub.env['PANHUB_DB_URL']}\0" in environ
    logs = [prod_hub.path("hub.log"), prod_hub.path("proxy.log"),
            prod_hub.catalogue_dir / "catalogue.log", POSTGRES_LOG]  # fmt: skip
    for name, password in secrets.items():
        assert password not in environ + cmdline, name
        assert password not in prod_hub.env["PANHUB_DB_URL"] + prod_hub.catalogue_db, name
        for log in logs:
            assert password not in log.read_text(errors="replace"), (name, log)

    # alice, with her server running, searches everything she can read for them
    # the password comes on standard input, never in an argument (printf is bash's own)
    search = (
        'p="$(cat)"; '
        'printf "%s\\n" "$p" | grep -rlsF -D skip -f - -- ' + " ".join(USER_READABLE) + "; "
        'printf "%s\\n" "$p" | grep -lsF -f - -- /proc/[0-9]*/cmdline /proc/[0-9]*/environ; true'
    )
    own = subprocess.run(["runuser", "-u", "alice", "--", "bash", "-c", "ls /proc/[0-9]*/environ"],
                         capture_output=True, text=True, timeout=30)  # fmt: skip
    assert own.stdout.strip(), "alice sees no process of hers: is her server running?"
    for name, password in secrets.items():
        found = subprocess.run(["runuser", "-u", "alice", "--", "bash", "-c", search],
                               input=password + "\n", capture_output=True, text=True,
                               timeout=300)  # fmt: skip
        assert found.stdout == "", f"the password of {name} is readable by alice in {found.stdout}"
