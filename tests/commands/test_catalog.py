"""Message catalogs and rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from commands import FEATURE_MODULES
from commands.formatting import render, to_plain
from commands.i18n import Catalog, CatalogError
from commands.registry import Registry, command


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    Catalog.load()  # raises CatalogError if de and en drift apart


def test_every_command_has_usage_and_help_in_both_languages() -> None:
    catalog = Catalog.load()
    for cmd in Registry.from_modules(FEATURE_MODULES).commands:
        for lang in ("de", "en"):
            assert catalog.text(lang, f"commands.{cmd.name}.usage")
            assert catalog.text(lang, f"commands.{cmd.name}.help")


def test_drifting_catalogs_are_refused(tmp_path: Path) -> None:
    (tmp_path / "de.yaml").write_text("a: 'Hallo {name}'\nb: x\n")
    (tmp_path / "en.yaml").write_text("a: 'Hello {nom}'\nb: x\n")
    with pytest.raises(CatalogError, match="placeholders of 'a'"):
        Catalog.load(tmp_path)
    (tmp_path / "en.yaml").write_text("a: 'Hello {name}'\n")
    with pytest.raises(CatalogError, match="keys differ"):
        Catalog.load(tmp_path)


def test_render_escapes_then_formats() -> None:
    html = render('**Achtung** <b>x</b> & "y"\n- eins\n- [Quelle](https://ochtrup.de/a?b=1&c=2)')
    assert html.startswith("<strong>Achtung</strong> &lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot;")
    assert (
        '<ul><li>eins</li><li><a href="https://ochtrup.de/a?b=1&amp;c=2">Quelle</a></li></ul>'
        in html
    )


def test_links_cannot_carry_javascript() -> None:
    assert "<a" not in render("[klick](javascript:alert(1))")


def test_plain_body_shows_link_targets() -> None:
    assert to_plain("**Siehe** [Quelle](https://ochtrup.de)") == "Siehe Quelle (https://ochtrup.de)"


def test_duplicate_command_names_are_refused() -> None:
    @command("eins", aliases=("one",))
    async def first(ctx: object, args: str) -> None: ...

    @command("one")
    async def second(ctx: object, args: str) -> None: ...

    specs = [f.__klimabot_command__ for f in (first, second)]  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="registered twice"):
        Registry(specs)


def test_every_table_with_personal_data_has_a_name_in_the_export_summary() -> None:
    from store.privacy import _AUTHORED, _OWN_ROWS

    catalog = Catalog.load()
    for table, _ in (*_OWN_ROWS, *_AUTHORED):
        for lang in ("de", "en"):
            assert catalog.text(lang, f"privacy.table.{table}")
