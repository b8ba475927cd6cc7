"""Command line: `klimabot run|check-config|backup|faq|chat|report` (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path

from bot.app import App
from bot.chat import run_chat
from bot.datadir import private_umask, secure_data_dir
from bot.matrix import StartupError
from bot.wiring import ServiceSettings
from commands.faqtool import export_faq, run_faq_cli
from config.settings import (
    Config,
    ConfigError,
    config_notes,
    load_config,
)
from store.db import Database
from store.migrations import DatabaseMismatchError, DatabaseTooNewError

__all__ = ["main"]

log = logging.getLogger("klimabot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="klimabot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("run", "connect to the homeserver and answer messages"),
        ("check-config", "validate the config file without connecting"),
        ("backup", "write a consistent copy of the database while the bot runs"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--config", type=Path, required=True, help="path to the YAML config")
        if name == "backup":
            cmd.add_argument("out", type=Path, help="where to write the copy (.sqlite)")
        if name == "run":
            cmd.add_argument("--verbose", "-v", action="store_true", help="debug logging")
    faq = sub.add_parser(
        "faq",
        help="check, try, evaluate and export the FAQ: faq check|ask TEXT|eval FILE|export DIR",
    )
    faq.add_argument("--config", type=Path, help="use the FAQ paths of this config")
    faq.add_argument(
        "faq_args", nargs=argparse.REMAINDER, help="check | ask TEXT | eval CASES.yaml | export DIR"
    )
    report = sub.add_parser(
        "report", help="write the council report of a period from the bot's database"
    )
    report.add_argument("--config", type=Path, required=True, help="path to the YAML config")
    forms = "a day, month or year: 2026-01-01, 1.1.2026, Januar 2026, 2026"
    report.add_argument("--from", dest="first", type=_first_day, required=True, help=forms)
    report.add_argument("--to", dest="last", type=_last_day, required=True, help=forms)
    report.add_argument("--out", type=Path, required=True, help="FILE.pdf or FILE.html")
    chat = sub.add_parser(
        "chat", help="talk to the whole bot in this terminal (no homeserver, throwaway database)"
    )
    chat.add_argument(
        "--config", type=Path, help="use the curated data and settings of this config"
    )
    return parser


def _first_day(text: str) -> date:
    from bot.reportcli import first_day  # the chat's date words; loaded only for `report`

    return first_day(text)


def _last_day(text: str) -> date:
    from bot.reportcli import last_day

    return last_day(text)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `klimabot` console script."""
    args = _parser().parse_args(argv)
    # Before anything is written: the database holds the access token, the crypto store keys.
    private_umask()
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # nio logs every 429 and retry at WARNING, which is useful; its DEBUG is not.
    logging.getLogger("nio").setLevel(logging.WARNING)
    if args.command in ("faq", "chat"):
        return _offline(args)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"Config error in {args.config}:\n{exc}", file=sys.stderr)
        return 2
    if args.command == "check-config":
        print(f"{args.config}: OK ({config.matrix.user_id} on {config.matrix.homeserver})")
        for note in config_notes(config):
            print(f"Note: {note}")
        return 0
    if args.command == "backup":
        return asyncio.run(_backup(config, args.out))
    if args.command == "report":
        from bot.reportcli import write_report  # only this command needs charts and PDF

        return asyncio.run(write_report(config, args.first, args.last, args.out))
    return asyncio.run(_run(config))


def user_cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Where `klimabot chat` and `klimabot faq` without a config keep files between runs (the
    FAQ's vectors of meaning): the XDG cache directory."""
    base = env.get("XDG_CACHE_HOME", "")
    return (Path(base) if Path(base).is_absolute() else Path.home() / ".cache") / "klimabot"


def _offline(args: argparse.Namespace) -> int:
    """`faq` and `chat` work without a homeserver, with the config's data or the shipped one."""
    if args.config is None:
        settings = replace(ServiceSettings.defaults(), data_dir=user_cache_dir())
    else:
        try:
            settings = ServiceSettings.from_config(load_config(args.config))
        except ConfigError as exc:
            print(f"Config error in {args.config}:\n{exc}", file=sys.stderr)
            return 2
    if args.command == "chat":
        logging.getLogger().setLevel(logging.WARNING)
        return asyncio.run(run_chat(settings))
    faq = settings.faq
    if args.faq_args[:1] == ["export"]:
        if len(args.faq_args) != 2:
            print("usage: klimabot faq [--config FILE] export DIR")
            return 2
        db_path = None if args.config is None else load_config(args.config).database_path
        if db_path is None or not db_path.exists():
            print("note: no database (give --config of the bot): exporting the YAML alone")
            db_path = None
        out = Path(args.faq_args[1])
        return asyncio.run(
            export_faq(faq.directory, faq.topics_file, faq.synonyms_file, db_path, out)
        )
    return run_faq_cli(
        list(args.faq_args),
        faq.directory,
        faq.topics_file,
        faq.synonyms_file,
        settings.faq_vectors,
    )


async def _backup(config: Config, out: Path) -> int:
    if not config.database_path.exists():
        print(f"no database at {config.database_path}", file=sys.stderr)
        return 1
    secure_data_dir(config)
    db = await Database.open(config.database_path)
    try:
        await db.backup(out)
    finally:
        await db.close()
    print(f"backup written to {out}")
    return 0


async def _run(config: Config) -> int:
    app = App(config)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, app.reload_faq)
    try:
        await app.start()
    except (StartupError, DatabaseTooNewError, DatabaseMismatchError) as exc:
        log.error("cannot start: %s", exc)
        await app.stop()
        return 1
    waiter = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait(
        {waiter, asyncio.ensure_future(app.wait())}, return_when=asyncio.FIRST_COMPLETED
    )
    code = 0
    for task in done:
        if task is not waiter and task.exception() is not None:
            log.error("stopped on error: %s", task.exception())
            code = 1
    await app.stop()
    waiter.cancel()
    return code


if __name__ == "__main__":
    sys.exit(main())
