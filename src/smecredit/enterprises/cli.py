"""`smecredit enterprises …` — maintenance of stage 1's stored data."""

from __future__ import annotations

import typer

from smecredit.commandline import console, reports_domain_errors, use_case
from smecredit.kernel.settings import get_settings

app = typer.Typer(help="企业与数据 / enterprises and their data", no_args_is_help=True)


@app.command("encrypt-uploads")
@reports_domain_errors
def encrypt_uploads():
    """Encrypt uploaded originals that older versions stored in plaintext (then delete the plaintext)."""
    from smecredit.enterprises.data import encrypt_plain_uploads

    with use_case() as db:
        old = encrypt_plain_uploads(db)
    root = get_settings().uploads_dir
    for name in old:  # only after the new, encrypted copies are committed
        (root / name).unlink(missing_ok=True)
    console.print(f"已加密 / encrypted {len(old)} file(s)")
