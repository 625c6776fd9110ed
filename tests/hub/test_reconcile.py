"""The reconciler: its decisions (pure), its shell with fake commands, its admin page."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from types import SimpleNamespace

import jinja2
import pytest
from jupyterhub.scopes import parse_scopes
from panhub.hubapp import TEMPLATES, JobsHandler, get_hub_status, make_notice_var
from panhub.jobend import make_end_message
from panhub.reconcile import (
    Action,
    HubStatus,
    Memory,
    Record,
    Verdict,
    find_missing,
    make_job_rows,
    parse_job_list,
    reconcile,
)
from panhub.reconciler import Reconciler, Report
from panhub.slurm import JobInfo, JobPhase
from tornado import web

HUB = "demo"


def line(
    job_id: str, user: str, server: str, state: str, node: str = "cpu1", hub: str = HUB
) -> str:
    name = f"jhub-{hub}-{user}-{server or 'default'}"
    return f"{job_id}|{name}|{user}|{state}|{node}|2026-11-24T12:00:00|2026-11-24T13:00:00|None"


LISTING = "\n".join(
    [
        line("10", "alice", "", "RUNNING"),
        line("11", "bob", "gpu", "PENDING", "n/a"),
        line("12", "carol", "", "RUNNING"),  # no server of the hub owns it
        line("13", "dave", "", "CANCELLED"),  # ended: nothing to cancel
        line("14", "alice", "", "RUNNING", hub="other"),  # another hub's job
        "15|analysis|alice|RUNNING|cpu2|N/A|N/A|None",  # alice's own job, not the hub's
        "garbage",
    ]
)


def verdicts(actions: tuple[Action, ...]) -> dict[str, Verdict]:
    return {a.job_id: a.verdict for a in actions}


def test_the_listing_keeps_this_hubs_jobs_only() -> None:
    jobs = parse_job_list(LISTING, HUB)
    assert sorted(jobs) == ["10", "11", "12", "13"]
    assert (jobs["11"].user, jobs["11"].server, jobs["11"].info.phase) == (
        "bob",
        "gpu",
        JobPhase.PENDING,
    )
    assert jobs["10"].server == ""  # the default server
    # a hub named like the start of another's name does not take its jobs
    assert parse_job_list(line("20", "alice", "", "RUNNING", hub="demo-2"), HUB) == {}


def test_owned_jobs_are_adopted_an_orphan_is_cancelled_at_the_second_pass() -> None:
    jobs = parse_job_list(LISTING, HUB)
    records = [
        Record("alice", "", "10", HubStatus.RUNNING),
        Record("bob", "gpu", "11", HubStatus.PENDING),
    ]
    first = reconcile(jobs, records, {}, Memory(), HUB)
    assert verdicts(first.actions) == {
        "10": Verdict.ADOPT,
        "11": Verdict.ADOPT,
        "12": Verdict.WATCH,
    }
    assert first.memory.unowned == {"12"}
    second = reconcile(jobs, records, {}, first.memory, HUB)
    assert verdicts(second.actions)["12"] is Verdict.CANCEL
    cancel = next(a for a in second.actions if a.verdict is Verdict.CANCEL)
    assert (cancel.user, cancel.server, cancel.node) == ("carol", "", "cpu1")


def test_a_job_whose_id_is_being_saved_is_not_cancelled() -> None:
    jobs = parse_job_list(line("30", "erin", "gpu", "PENDING", "n/a"), HUB)
    spawning = [Record("erin", "gpu", "", HubStatus.PENDING)]  # sbatch returned, id not saved
    memory = Memory(unowned=frozenset({"30"}))  # even if seen unowned before
    plan = reconcile(jobs, spawning, {}, memory, HUB)
    assert verdicts(plan.actions) == {"30": Verdict.WAIT}
    assert plan.memory.unowned == frozenset()
    # once saved, the record owns it
    saved = [Record("erin", "gpu", "30", HubStatus.PENDING)]
    assert verdicts(reconcile(jobs, saved, {}, memory, HUB).actions) == {"30": Verdict.ADOPT}


def test_a_job_whose_owner_came_back_is_not_cancelled() -> None:
    jobs = parse_job_list(line("31", "erin", "", "RUNNING"), HUB)
    plan = reconcile(jobs, [], {}, Memory(), HUB)
    back = [Record("erin", "", "31", HubStatus.BUSY)]  # the hub is checking or stopping it
    assert verdicts(reconcile(jobs, back, {}, plan.memory, HUB).actions) == {"31": Verdict.ADOPT}


def test_a_stopped_servers_leftover_job_is_an_orphan() -> None:
    # the hub thinks the server stopped (no active record): the job has no owner
    jobs = parse_job_list(line("32", "frank", "", "RUNNING"), HUB)
    first = reconcile(jobs, [], {}, Memory(), HUB)
    assert verdicts(reconcile(jobs, [], {}, first.memory, HUB).actions) == {"32": Verdict.CANCEL}


@pytest.mark.parametrize("state", ["CANCELLED", "TIMEOUT", "NODE_FAIL", "COMPLETED"])
def test_a_running_server_whose_job_ended_is_cleaned_up_at_once(state: str) -> None:
    jobs = parse_job_list(line("40", "gina", "", state, "cpu2"), HUB)
    plan = reconcile(jobs, [Record("gina", "", "40", HubStatus.RUNNING)], {}, Memory(), HUB)
    [action] = plan.actions
    assert (action.verdict, action.state, action.node) == (Verdict.CLEAN_UP, state, "cpu2")
    assert action.info.phase is JobPhase.GONE


@pytest.mark.parametrize(
    "second,verdict",
    [
        (JobInfo(JobPhase.MISSING), Verdict.CLEAN_UP),  # scontrol: Invalid job id
        (JobInfo(JobPhase.GONE, "TIMEOUT", "cpu2"), Verdict.CLEAN_UP),
        (JobInfo(JobPhase.RUNNING, "RUNNING", "cpu2"), Verdict.ADOPT),  # squeue raced
        (JobInfo(JobPhase.UNKNOWN), Verdict.WATCH),  # scontrol failed: keep the server
        (None, Verdict.WATCH),  # not asked
    ],
)
def test_a_missing_job_is_cleaned_up_only_when_confirmed(
    second: JobInfo | None, verdict: Verdict
) -> None:
    records = [Record("hana", "", "50", HubStatus.RUNNING)]
    assert find_missing({}, records) == ["50"]
    answers = {"50": second} if second is not None else {}
    plan = reconcile({}, records, answers, Memory(), HUB)
    assert verdicts(plan.actions) == {"50": verdict}
    if verdict is Verdict.WATCH:  # missing twice in a row: gone
        again = reconcile({}, records, {"50": JobInfo(JobPhase.UNKNOWN)}, plan.memory, HUB)
        assert verdicts(again.actions) == {"50": Verdict.CLEAN_UP}


def test_pending_and_busy_records_are_left_to_the_hub() -> None:
    records = [
        Record("ida", "", "60", HubStatus.PENDING),  # start() notices its own job's end
        Record("jon", "", "61", HubStatus.BUSY),
    ]
    assert find_missing({}, records) == []
    assert reconcile({}, records, {}, Memory(), HUB).actions == ()


def test_job_rows_show_the_hubs_view() -> None:
    jobs = parse_job_list(LISTING, HUB)
    rows = make_job_rows(jobs, [Record("alice", "", "10", HubStatus.RUNNING)])
    assert [(r.job_id, r.state, r.node, r.user, r.hub_status) for r in rows] == [
        ("10", "RUNNING", "cpu1", "alice", "running"),
        ("11", "PENDING", "", "bob", "no server"),
        ("12", "RUNNING", "cpu1", "carol", "no server"),
        ("13", "CANCELLED", "cpu1", "dave", "no server"),
    ]


# ---------------------------------------------------------------- the shell, with fakes


class FakeHub:
    """The commands and hooks the reconciler is given; records what it ran."""

    def __init__(self, listing: str, records: list[Record]) -> None:
        self.listing = listing
        self.records = records
        self.fail = ""
        self.scontrol: dict[str, str] = {}
        self.ran: list[tuple[str, ...]] = []

    async def list_jobs(self) -> str:
        self.ran.append(("squeue",))
        if self.fail:
            raise RuntimeError(self.fail)
        return self.listing

    async def confirm(self, job_id: str) -> str:
        self.ran.append(("scontrol", job_id))
        answer = self.scontrol.get(job_id, "slurm_load_jobs error: Invalid job id specified")
        if "error" in answer:
            raise RuntimeError(answer)
        return answer

    async def cancel(self, user: str, job_id: str) -> None:
        self.ran.append(("scancel", user, job_id))

    async def clean_up(self, action: Action) -> None:
        self.ran.append(("stop", action.user, action.server, action.state))
        self.records = [r for r in self.records if r.job_id != action.job_id]

    def make(self) -> Reconciler:
        return Reconciler(
            HUB,
            self.list_jobs,
            self.confirm,
            self.cancel,
            self.clean_up,
            lambda: self.records,
            logging.getLogger("test-reconcile"),
        )


async def test_passes_cancel_orphans_as_their_owner_and_stop_gone_servers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = FakeHub(
        LISTING,
        [
            Record("alice", "", "10", HubStatus.RUNNING),
            Record("bob", "gpu", "11", HubStatus.PENDING),
            Record("kim", "", "70", HubStatus.RUNNING),
        ],
    )
    reconciler = hub.make()
    with caplog.at_level(logging.INFO, logger="test-reconcile"):
        await reconciler.run_pass()  # 70 missing, scontrol: Invalid job id -> clean up
        assert hub.ran == [("squeue",), ("scontrol", "70"), ("stop", "kim", "", "")]
        await reconciler.run_pass()
    assert hub.ran[-1] == ("scancel", "carol", "12")
    assert ("scancel", "carol", "12") not in hub.ran[:-1]  # not at the first pass
    assert [r.action.verdict for r in reconciler.reports][:2] == [Verdict.CANCEL, Verdict.CLEAN_UP]
    log = caplog.text
    assert "cancel job 12 of carol" in log and "clean up job 70 of kim" in log
    assert "adopt job 10 of alice" in log  # the first pass reports everything


async def test_a_failing_listing_does_nothing() -> None:
    hub = FakeHub(LISTING, [Record("alice", "", "10", HubStatus.RUNNING)])
    reconciler = hub.make()
    await reconciler.run_pass()
    hub.fail = "slurm_load_jobs error: Unable to contact slurm controller"
    for _ in range(3):
        assert await reconciler.run_pass() is None
    assert hub.ran[1:] == [("squeue",)] * 3  # nothing cancelled, nothing stopped
    assert reconciler.error == hub.fail
    hub.fail = ""
    await reconciler.run_pass()  # the orphan seen before the outage is cancelled now
    assert hub.ran[-1] == ("scancel", "carol", "12")


async def test_a_failed_action_is_reported_and_the_pass_goes_on() -> None:
    hub = FakeHub(LISTING, [])

    async def refuse(user: str, job_id: str) -> None:
        raise RuntimeError("scancel: error: Kill job error on job id 12: Access/permission denied")

    reconciler = hub.make()
    reconciler.cancel = refuse
    await reconciler.run_pass()
    await reconciler.run_pass()
    outcomes = {
        r.action.job_id: r.outcome for r in reconciler.reports if r.action.verdict is Verdict.CANCEL
    }
    assert set(outcomes) == {"10", "11", "12"}  # no records at all: every live job is an orphan
    assert all(o.startswith("failed: scancel: error") for o in outcomes.values())


# ---------------------------------------------------------------- the hub's side


def test_hub_status_of_a_spawner() -> None:
    def spawner(pending: str | None, ready: bool) -> SimpleNamespace:
        return SimpleNamespace(pending=pending, ready=ready, active=bool(pending or ready))

    assert get_hub_status(spawner("spawn", False)) is HubStatus.PENDING
    assert get_hub_status(spawner("stop", False)) is HubStatus.BUSY
    assert get_hub_status(spawner("check", False)) is HubStatus.BUSY
    assert get_hub_status(spawner(None, True)) is HubStatus.RUNNING
    assert get_hub_status(spawner(None, False)) is None


def test_users_see_their_servers_notices_escaped_with_the_sites_announcement() -> None:
    when = datetime(2026, 11, 24, 21, 50, tzinfo=UTC)
    message = make_end_message("NODE_FAIL", "cpu2", "<b>gpu</b>", when, when)
    end = {
        "job_id": "7",
        "state": "NODE_FAIL",
        "node": "cpu2",
        "time": when.isoformat(),
        "message": message,
    }
    user = SimpleNamespace(
        orm_spawners={
            "": SimpleNamespace(state={"job_id": "8"}),
            "gpu": SimpleNamespace(state={"last_end": end}),
            "old": SimpleNamespace(state=None),
        }
    )
    notices = make_notice_var("Maintenance on <i>Monday</i>")(user)
    assert notices == (
        "Your server &#x27;&lt;b&gt;gpu&lt;/b&gt;&#x27; on cpu2 stopped at 21:50 UTC: its node failed. "
        "Files you saved are kept; unsaved notebook changes are lost.<br>Maintenance on <i>Monday</i>"
    )
    assert make_notice_var(None)(None) == ""  # signed out: nothing
    assert make_notice_var(lambda u: "site")(SimpleNamespace(orm_spawners={})) == "site"


class _Handler(JobsHandler):
    """The real handler's get() with the request machinery stubbed."""

    def __init__(self, user: object, scopes: set[str], reconciler: Reconciler | None) -> None:
        self._jupyterhub_user = user
        self.parsed_scopes = parse_scopes(scopes)  # as JupyterHub derives them
        self.expanded_scopes = set(scopes)
        settings = {"panhub_reconciler": reconciler, "panhub_reconcile_interval": 300, "db": None}
        self.application = SimpleNamespace(settings=settings)
        self.request = SimpleNamespace(
            method="GET", path="/hub/panhub/jobs", uri="/hub/panhub/jobs"
        )
        self.rendered: dict[str, object] = {}
        self.finished = ""
        self.redirected = ""

    @property
    def current_user(self) -> object:
        return self._jupyterhub_user

    def get_login_url(self) -> str:
        return "/hub/login"

    def redirect(self, url: str, *args: object, **kwargs: object) -> None:
        self.redirected = url

    async def render_template(self, name: str, **ns: object) -> str:
        self.rendered = {"name": name, **ns}
        return "page"

    def finish(self, chunk: object = None) -> None:  # type: ignore[override]
        self.finished = str(chunk)


async def test_the_jobs_page_is_for_admins_only() -> None:
    reconciler = FakeHub(LISTING, []).make()
    anonymous = _Handler(None, set(), reconciler)
    assert anonymous.get() is None  # tornado's login redirect, before any coroutine
    assert anonymous.redirected.startswith("/hub/login") and not anonymous.finished
    user = _Handler(SimpleNamespace(name="bob", admin=False), {"self"}, reconciler)
    with pytest.raises(web.HTTPError) as refused:
        await user.get()
    assert refused.value.status_code == 403 and not user.finished
    admin = _Handler(SimpleNamespace(name="root", admin=True), {"admin-ui"}, reconciler)
    await admin.get()
    assert admin.finished == "page" and admin.rendered["name"] == "panhub-jobs.html"


def test_the_jobs_page_escapes_what_it_shows() -> None:
    # JupyterHub's environment: autoescape on; page.html stubbed to its main block
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(str(TEMPLATES)),
                jinja2.DictLoader({"templates/page.html": "{% block main %}{% endblock %}"}),
            ]
        ),
        autoescape=True,
    )
    evil = "<script>alert(1)</script>"
    jobs = parse_job_list(line("90", "mallory", evil, "RUNNING", node="cpu1"), HUB)
    reconciler = FakeHub("", []).make()
    reconciler.error = evil
    reconciler.last_pass = datetime(2026, 11, 24, 21, 50)
    reconciler.reports.append(
        Report(
            datetime(2026, 11, 24, 21, 50),
            Action(Verdict.CANCEL, "90", "mallory", evil, "RUNNING", "cpu1", evil),
            evil,
        )
    )
    html = env.get_template("panhub-jobs.html").render(
        reconciler=reconciler, interval=300, rows=make_job_rows(jobs, []), parsed_scopes={}
    )
    assert evil not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 5  # error, 3 in the report, row
    assert "<td>90</td>" in html and "no server" in html


def test_admins_get_a_link_to_the_jobs_page() -> None:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(str(TEMPLATES)),
                jinja2.DictLoader(
                    {
                        "templates/page.html": "{% block nav_bar_left_items %}<li>Home</li>{% endblock %}"
                    }
                ),
            ]
        ),
        autoescape=True,
    )
    page = env.get_template("page.html")
    assert "panhub/jobs" in page.render(parsed_scopes={"admin-ui": None}, base_url="/hub/")
    assert "panhub/jobs" not in page.render(parsed_scopes={"self": None}, base_url="/hub/")
