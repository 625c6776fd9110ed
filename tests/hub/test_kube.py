"""FacilityKubeSpawner without a cluster: the form, the proposals, the pod's settings.

KubeSpawner's API client is replaced by nothing (no call reaches it while a manifest is
built); the pod comes from KubeSpawner's own ``get_pod_manifest`` (``make_pod``).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from panhub.auth import AUTH_STATE_KEY
from panhub.facility import FormRejected
from panhub.proposals import resolve_access
from traitlets.config import Config

from tests.support.proposals import DIRECTORY


@pytest.fixture
def make_spawner(monkeypatch: pytest.MonkeyPatch) -> Any:
    import kubespawner.spawner
    from panhub.kube import FacilityKubeSpawner

    monkeypatch.setattr(kubespawner.spawner, "load_config", lambda **_: None)
    monkeypatch.setattr(kubespawner.spawner, "shared_client", lambda *_, **__: None)

    async def make(user: str, access_of: str | None = None) -> FacilityKubeSpawner:
        config = Config()
        config.FacilityKubeSpawner.proposals_layout = {"root": "/srv/proposals", "view": "/data"}
        config.FacilityKubeSpawner.kernels_path = []
        config.KubeSpawner.cmd = ["jupyterhub-singleuser"]
        config.KubeSpawner.volumes = [{"name": "home", "emptyDir": {}}]
        config.KubeSpawner.volume_mounts = [{"name": "home", "mountPath": "/home/jovyan"}]
        config.KubeSpawner.working_dir = "/home/jovyan"
        person = SimpleNamespace(name=user, id=1, url=f"/user/{user}/", escaped_name=user)
        spawner = FacilityKubeSpawner(config=config, user=person, _mock=True)
        if access_of is not None:
            access = resolve_access(access_of, DIRECTORY).to_json()
            await spawner.run_auth_state_hook({AUTH_STATE_KEY: access})
        return spawner

    return make


def proposal_mounts(pod: Any) -> list[tuple[str, str, bool]]:
    return [
        (m.mount_path, m.sub_path, bool(m.read_only))
        for m in pod.spec.containers[0].volume_mounts
        if m.name == "proposals"
    ]


async def test_the_pod_mounts_the_users_proposals(make_spawner: Any) -> None:
    spawner = await make_spawner("bob", "bob")
    spawner.user_options = {"partition": "gpu", "gpus": "1"}
    await spawner.load_user_options()
    pod = await spawner.get_pod_manifest()
    assert proposal_mounts(pod) == [
        ("/data/20260002/raw", "20260002/raw", True),
        ("/data/20260002/processed", "20260002/processed", False),
        ("/data/20260003/raw", "20260003/raw", True),
        ("/data/20260003/processed", "20260003/processed", False),
    ]
    assert pod.spec.containers[0].resources.limits["nvidia.com/gpu"] == "1"


@pytest.mark.parametrize("access_of", [None, "alice"])
async def test_no_membership_or_someone_elses_gives_no_data(
    make_spawner: Any, access_of: str | None
) -> None:
    spawner = await make_spawner("bob", access_of)
    spawner.user_options = {}
    await spawner.load_user_options()
    pod = await spawner.get_pod_manifest()
    assert proposal_mounts(pod) == []
    assert [v.name for v in pod.spec.volumes] == ["home"]


async def test_every_start_builds_on_the_configuration_not_the_last_start(
    make_spawner: Any,
) -> None:
    spawner = await make_spawner("bob", "bob")
    for options in ({"partition": "gpu", "gpus": "1"}, {"partition": "cpu"}):
        spawner.user_options = options
        await spawner.load_user_options()
    assert [v["name"] for v in spawner.volumes] == ["home", "proposals"]
    assert spawner.tolerations == [] and spawner.node_selector == {}
    assert spawner.extra_resource_limits == {}
    assert spawner.extra_pod_config == {"activeDeadlineSeconds": 3600}


async def test_a_refused_request_is_a_400_and_keeps_the_accepted_options(make_spawner: Any) -> None:
    spawner = await make_spawner("bob", "bob")
    spawner._accepted_options = {"partition": "cpu"}
    spawner.user_options = {"partition": "cpu", "cpus": "99"}
    with pytest.raises(FormRejected) as error:
        await spawner.apply_user_options(spawner, spawner.user_options)
    assert error.value.status_code == 400
    assert "cpus: must be from 1 to 4, not 99" in error.value.jupyterhub_message
    assert spawner.user_options == {"partition": "cpu"}


async def test_the_form_offers_the_profiles_as_partitions(make_spawner: Any) -> None:
    spawner = await make_spawner("bob", "bob")
    form = await spawner.get_options_form()
    assert '<option value="cpu" selected>cpu: CPU</option>' in form
    assert '<option value="gpu">gpu: GPU</option>' in form
    args = spawner.get_args()
    assert args[-1] == "--FileContentsManager.preferred_dir=/data"
    assert spawner.get_env()["PANHUB_PROPOSALS_VIEW"] == "/data"
