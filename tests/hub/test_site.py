"""The site's least-privilege pieces that are pure: the sudo rule, the login umask."""

from __future__ import annotations

from panhub.site import make_private_login_defs, make_sudoers


def test_sudoers_allows_the_three_slurm_commands_as_users_only() -> None:
    assert make_sudoers("hubby", "facility-users", "slurm", "/opt/slurm/bin") == (
        "# panhub: the hub submits, polls and cancels its users' jobs, nothing else\n"
        "Defaults:hubby !requiretty, !lecture\n"
        'Defaults:hubby env_keep += "SLURM_CONF"\n'
        "Cmnd_Alias PANHUB_SLURM = /opt/slurm/bin/sbatch, /opt/slurm/bin/squeue, "
        "/opt/slurm/bin/scancel\n"
        "hubby ALL=(%facility-users) NOPASSWD:SETENV: PANHUB_SLURM\n"
        "hubby ALL=(slurm) NOPASSWD: /opt/slurm/bin/squeue, "
        "/opt/slurm/bin/scontrol show job -o *\n"
    )


def test_login_defs_get_a_private_umask_once() -> None:
    text = "MAIL_DIR /var/mail\nUMASK\t\t022\nUSERGROUPS_ENAB yes\n"
    once = make_private_login_defs(text)
    assert once == "MAIL_DIR /var/mail\nUSERGROUPS_ENAB yes\nUMASK\t\t077\n"
    assert make_private_login_defs(once) == once
