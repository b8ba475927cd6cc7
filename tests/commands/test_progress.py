"""!fortschritt: the measures by status and progress as a PNG chart; the indicator chart."""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from commands.faqchart import PNG_SIGNATURE
from commands.progress import (
    Bar,
    IndicatorSeries,
    indicator_chart,
    indicator_series,
    progress_chart,
    sort_bars,
    status_counts,
)
from config.measures import Indicator, IndicatorValue, Measure
from store.measures import StoredValue
from tests.commands.fakes import make_router, message

LABELS = {"in Umsetzung": "in Umsetzung", "geplant": "geplant", "abgeschlossen": "abgeschlossen"}


def _ihdr_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, _ = await make_router(tmp_path)
    yield router, replier
    await db.close()


def test_progress_chart_is_a_png_whose_size_is_reported() -> None:
    bars = [Bar("Wärmeplanung", "in Umsetzung", 25), Bar("Thermografie", "abgeschlossen", 100)]
    chart = progress_chart("Fortschritt", bars, LABELS, "Prozent")
    assert _ihdr_size(chart.data) == (chart.width, chart.height)


def test_many_measures_make_a_taller_chart_not_smaller_rows() -> None:
    few = [Bar(f"Maßnahme {i}", "geplant", i) for i in range(3)]
    many = [Bar(f"Maßnahme {i}", "geplant", i) for i in range(40)]
    small = progress_chart("F", few, LABELS, "%")
    large = progress_chart("F", many, LABELS, "%")
    assert small.width == large.width
    # Each row keeps at least 40 px (11 pt labels at 100 dpi need about 15).
    assert large.height - small.height >= 37 * 40


def test_bars_are_grouped_by_status_with_most_progress_first() -> None:
    bars = [
        Bar("b", "abgeschlossen", 100),
        Bar("c", "geplant", 0),
        Bar("d", "in Umsetzung", 20),
        Bar("e", "in Umsetzung", 70),
        Bar("f", "unbekannt", 5),
    ]
    assert [b.label for b in sort_bars(bars)] == ["e", "d", "c", "b", "f"]
    assert status_counts(bars) == [
        ("in Umsetzung", 2),
        ("geplant", 1),
        ("abgeschlossen", 1),
        ("unbekannt", 1),
    ]


def test_indicator_chart_draws_values_with_baseline_and_target() -> None:
    series = IndicatorSeries(
        "Ladepunkte",
        "Stück",
        4.0,
        40.0,
        ((date(2025, 1, 1), 6.0), (date(2024, 1, 1), 4.0), (date(2026, 6, 1), 15.0)),
    )
    chart = indicator_chart("Ladepunkte", [series], "Ausgangswert", "Ziel")
    assert _ihdr_size(chart.data) == (chart.width, chart.height)


def test_indicator_chart_with_one_value_and_no_target_still_draws() -> None:
    series = IndicatorSeries("Teilnehmende", "", None, None, ((date(2025, 5, 1), 120.0),))
    chart = indicator_chart("Teilnehmende", [series], "Ausgangswert", "Ziel")
    assert chart.width > 0
    assert chart.height > 0


async def test_fortschritt_sends_a_summary_and_a_png_described_in_words(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("!fortschritt"))
    [text] = replier.texts
    assert text.startswith("Fortschritt der Maßnahmen (17):")
    [(name, data, mimetype, width, height, alt)] = replier.images
    assert (name, mimetype) == ("fortschritt.png", "image/png")
    assert _ihdr_size(data) == (width, height)
    assert alt.startswith("Diagramm: 17 Maßnahmen nach Status und Fortschritt: ")
    assert "in Umsetzung" in alt
    assert "abgeschlossen" in alt
    assert "durchschnittlich" in alt
    assert "% umgesetzt" in alt


async def test_fortschritt_for_a_topic_shows_only_its_measures(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("!progress mobilität"))
    [text] = replier.texts
    assert text.startswith("Fortschritt der Maßnahmen – Mobilität (3):")
    [image] = replier.images
    assert image[5].startswith("Diagramm: 3 Maßnahmen – Mobilität nach Status")


async def test_unknown_topic_is_answered_politely_with_the_topics(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("!fortschritt Raumfahrt"))
    [text] = replier.texts
    assert "Ein Thema „Raumfahrt“ kenne ich leider nicht" in text
    assert "Mobilität" in text
    assert "Klimaanpassung" in text
    assert replier.images == []


async def test_a_topic_without_measures_gets_text_only(bot: Any) -> None:
    router, replier = bot
    service = router.services.measures
    service.catalogue = type(service.catalogue)(
        service.catalogue.example,
        service.catalogue.checked,
        tuple(m for m in service.catalogue.measures if m.topic != "mobilitaet"),
    )
    await router.dispatch(message("!fortschritt mobilität"))
    assert replier.texts == ["Es gibt noch keine Maßnahmen – Mobilität."]
    assert replier.images == []


async def test_english_user_gets_english_status_names(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("!sprache en"))
    await router.dispatch(message("!progress"))
    assert replier.texts[-1].startswith("Progress of the measures (17):")
    assert "in progress" in replier.images[0][5]


def test_indicator_chart_grows_with_the_number_of_indicators() -> None:
    one = IndicatorSeries("A", "t", 1.0, 2.0, ((date(2024, 1, 1), 1.0), (date(2025, 1, 1), 1.5)))
    single = indicator_chart("K", [one], "Ausgangswert", "Ziel")
    triple = indicator_chart("K", [one, one, one], "Ausgangswert", "Ziel")
    assert triple.width == single.width
    assert triple.height >= 2.5 * single.height


def _indicator(values: tuple[IndicatorValue, ...]) -> Indicator:
    return Indicator("led", "LED-Anteil", "%", (20.0, 2015), (100.0, 2030), values)


async def test_indicator_series_merges_catalogue_and_chat_values_chat_winning_per_day(
    bot: Any,
) -> None:
    catalogue = (
        IndicatorValue(date(2020, 8, 30), 74.0, None),
        IndicatorValue(date(2019, 1, 1), 50.0, None),
    )
    measure = dataclasses.replace(_first_measure(bot), indicators=(_indicator(catalogue),))
    stored = [
        StoredValue("led", 75.0, date(2020, 8, 30), None, "@a:x", 1.0),
        StoredValue("led", 90.0, date(2024, 5, 1), None, "@a:x", 2.0),
        StoredValue("other", 1.0, date(2024, 5, 1), None, "@a:x", 3.0),
    ]
    [series] = indicator_series(measure, stored)
    assert series.points == (
        (date(2019, 1, 1), 50.0),
        (date(2020, 8, 30), 75.0),
        (date(2024, 5, 1), 90.0),
    )
    assert (series.baseline, series.baseline_year) == (20.0, 2015)
    assert (series.target, series.target_year) == (100.0, 2030)


async def test_an_indicator_without_values_gets_no_chart(bot: Any) -> None:
    measure = dataclasses.replace(_first_measure(bot), indicators=(_indicator(()),))
    assert indicator_series(measure, []) == []


def _first_measure(bot: Any) -> Measure:
    router, _ = bot
    measure: Measure = router.services.measures.catalogue.measures[0]
    return measure


async def test_massnahme_with_indicator_values_adds_their_chart(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("!massnahme led-strassenbeleuchtung"))
    [(name, data, mimetype, width, height, alt)] = replier.images
    assert (name, mimetype) == ("kennzahlen.png", "image/png")
    assert _ihdr_size(data) == (width, height)
    assert alt.startswith("Diagramm: Verlauf der Kennzahlen von „")
    assert "LED-Anteil der Straßenleuchten: 1 Wert vom 30.08.2020 bis 30.08.2020" in alt


async def test_massnahme_without_indicator_values_sends_text_only(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("!massnahme controlling-thg-bilanz"))
    assert len(replier.texts) == 1
    assert replier.images == []


async def test_alt_text_shows_a_topic_name_with_an_ampersand_as_typed(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("!fortschritt bauen"))
    [image] = replier.images
    assert image[5].startswith("Diagramm: 2 Maßnahmen – Bauen & Sanieren nach Status")


@pytest.mark.parametrize(
    "days",
    [
        (date(2025, 3, 1),),
        (date(2025, 1, 10), date(2025, 9, 1)),
        (date(2015, 1, 1), date(2026, 11, 30)),
    ],
)
def test_indicator_date_ticks_are_numbers_not_english_month_names(days: tuple[date, ...]) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from commands.progress import _date_axis

    figure = Figure()
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot(list(days), [1.0] * len(days))  # type: ignore[arg-type]
    _date_axis(axes, days)
    canvas.draw()  # type: ignore[no-untyped-call]
    labels = [t.get_text() for t in axes.get_xticklabels() if t.get_text()]
    assert len(labels) >= 2
    assert all(label.replace(".", "").isdigit() for label in labels), labels


def test_dollar_signs_in_names_are_drawn_as_typed_not_as_maths() -> None:
    # `$…$` in a name started matplotlib's maths notation; some failed the drawing.
    progress = progress_chart(
        "Stand $", [Bar(r"Budget $\foo$ und a$^$b", "geplant", 10)], {"geplant": "geplant $"}, "%"
    )
    assert progress.width > 0
    series = IndicatorSeries("Kosten $^$ je", "$/t", 1.0, 2.0, ((date(2025, 5, 1), 1.5),))
    indicator = indicator_chart("$ Titel", [series], "Ausgangswert $", "Ziel $")
    assert indicator.height > 0


def _private_use(text: str) -> list[str]:
    return [c for c in text if "\ue000" <= c <= "\uf8ff"]


@pytest.mark.parametrize("language", ["de", "en"])
async def test_chart_titles_are_plain_text_without_private_use_placeholders(
    bot: Any, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    """Catalog escapes for '-', '(' and '&' must not reach matplotlib, which draws them as boxes."""
    router, _ = bot
    drawn: list[str] = []

    def capture(real: Any) -> Any:
        def draw(title: str, *args: Any) -> Any:
            drawn.extend([title, *(a for a in args if isinstance(a, str))])
            return real(title, *args)

        return draw

    import commands.progress as progress

    monkeypatch.setattr(progress, "progress_chart", capture(progress.progress_chart))
    monkeypatch.setattr(progress, "indicator_chart", capture(progress.indicator_chart))
    service = router.services.measures
    title = {"de": "LED-Umrüstung (Straßen) [2.*]", "en": "LED retrofit (streets) [2.*]"}
    service.catalogue = dataclasses.replace(
        service.catalogue,
        measures=tuple(
            dataclasses.replace(m, title=title) if m.id == "led-strassenbeleuchtung" else m
            for m in service.catalogue.measures
        ),
    )
    await router.dispatch(message(f"!sprache {language}"))
    await router.dispatch(message("!fortschritt bauen"))
    await router.dispatch(message("!massnahme led-strassenbeleuchtung"))
    assert any(" & " in text for text in drawn), drawn  # the topic "Bauen & Sanieren"
    assert any(title[language] in text for text in drawn), drawn
    assert all(_private_use(text) == [] for text in drawn), drawn
