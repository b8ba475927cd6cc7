"""The questions a newcomer asks first get their answer.

A regression list, not a quality set: a developer wrote these as people new to the topic ask
them (short, plain, German first), on 2026-12-07, and the FAQ was then fixed where one went
wrong. 23 of the 158 answered here got no answer or a wrong one before: a missing entry on PV
subsidies, definitions the footprint and pellet entries lacked, balcony-solar subsidies,
`answers` that left out what an entry explains, phrasings for the plainest wordings. The numbers
that measure the engine come from the real-question sets (test_eval_targets.py); this list makes
sure that the questions everybody asks keep their answer when entries, cues or weights change.
"""

from __future__ import annotations

import pytest

from tests.faqmatch.test_eval_targets import _index

COMMON = (
    ("Wie trenne ich meinen Müll richtig?", "abfall-trennung"),
    ("Was ist Agri-PV?", "agri-pv"),
    ("Do I need to register my balcony solar panel?", "balkonkraftwerk"),
    ("Muss ich mein Balkonkraftwerk anmelden?", "balkonkraftwerk"),
    ("Wo melde ich meine kleine Solaranlage für den Balkon an?", "balkonkraftwerk"),
    ("Was ist ein Balkonkraftwerk?", "balkonkraftwerk-funktion"),
    ("What is a balcony power plant?", "balkonkraftwerk-funktion"),
    ("Lohnt sich ein Balkonkraftwerk?", "balkonkraftwerk-kosten"),
    ("Was kostet ein Balkonkraftwerk?", "balkonkraftwerk-kosten"),
    ("Welche Förderung gibt es für Balkonkraftwerke?", "balkonkraftwerk-kosten"),
    ("Wie viel Strom macht ein Balkonkraftwerk?", "balkonkraftwerk-kosten"),
    ("Darf ich als Mieter ein Balkonkraftwerk aufstellen?", "balkonkraftwerk-mieter"),
    ("Brauche ich einen neuen Zähler für mein Balkonkraftwerk?", "balkonkraftwerk-zaehler"),
    ("Was kannst du alles?", "bot-hilfe"),
    ("Wie kann ich in Windkraft investieren?", "buergerenergie"),
    ("Gibt es Carsharing in Ochtrup?", "carsharing"),
    ("Wie funktioniert Carsharing?", "carsharing-funktion"),
    ("Wie viel CO2 stößt Ochtrup aus?", "co2-bilanz-ochtrup"),
    ("Was ist mein CO2-Fußabdruck?", "co2-fussabdruck"),
    ("Darf mein Vermieter die CO2-Kosten auf mich umlegen?", "co2-kosten-aufteilung"),
    ("Was ist der CO2-Preis?", "co2-preis-heizen"),
    ("What is the CO2 price?", "co2-preis-heizen"),
    ("Was kostet eine Dämmung?", "daemmung-kosten"),
    ("Wie lohnt sich eine Fassadendämmung?", "daemmung-kosten"),
    ("Führt Dämmung zu Schimmel?", "daemmung-schimmel"),
    ("Was passiert mit meinen Daten?", "datenschutz-bot"),
    ("Was ist das Deutschlandticket?", "deutschlandticket"),
    ("Was ist ein dynamischer Stromtarif?", "dynamischer-stromtarif"),
    ("Gibt es eine Förderung für E-Autos?", "e-auto-foerderung"),
    ("Muss ich für ein E-Auto Kfz-Steuer zahlen?", "e-auto-kfz-steuer"),
    ("Was kostet ein E-Auto im Unterhalt?", "e-auto-kosten"),
    ("Wie lange dauert das Laden eines E-Autos?", "e-auto-ladedauer"),
    ("Gibt es in Ochtrup Ladesäulen für E-Autos?", "e-auto-laden"),
    ("Wo kann ich mein E-Auto laden?", "e-auto-laden"),
    ("Was ist ein Effizienzhaus?", "effizienzhaus"),
    ("Brauche ich eine Elementarschadenversicherung?", "elementarschaden-versicherung"),
    ("Gibt es einen Energie-Stammtisch?", "energie-stammtisch"),
    ("Brauche ich einen Energieausweis?", "energieausweis"),
    ("Was ist ein Energieausweis?", "energieausweis"),
    ("Where can I get energy advice in Ochtrup?", "energieberatung"),
    ("Was kostet eine Energieberatung?", "energieberatung-ablauf"),
    ("Was ist eine Bürgerenergiegenossenschaft?", "energiegenossenschaft"),
    ("Was ist eine Energiegenossenschaft?", "energiegenossenschaft"),
    ("How can I reduce my carbon footprint?", "energiespartipps"),
    ("How can I save energy at home?", "energiespartipps"),
    ("Warum sollte ich meinen Hof entsiegeln?", "entsiegelung-abflastern"),
    ("Brauche ich eine Genehmigung für eine Erdwärmepumpe?", "erdwaerme-genehmigung"),
    ("Ist Fleisch schlecht fürs Klima?", "ernaehrung-klima"),
    ("Wie viel Strom in Ochtrup ist erneuerbar?", "erneuerbare-anteil-ochtrup"),
    ("Was ist der European Energy Award?", "european-energy-award"),
    ("Wann lohnt sich ein Fenstertausch?", "fenstertausch"),
    ("Wie funktioniert der Anschluss an ein Wärmenetz?", "fernwaerme-anschluss-ablauf"),
    ("Was kostet Fernwärme?", "fernwaerme-kosten"),
    ("Was ist Fernwärme?", "fernwaerme-was-ist"),
    ("What is district heating?", "fernwaerme-was-ist"),
    ("Wie viel CO2 verursacht ein Flug?", "fliegen-klima"),
    ("Welche Förderung gibt es für Unternehmen?", "foerdermittel-unternehmen"),
    ("Darf ich noch eine Gasheizung einbauen?", "gasheizung-neu"),
    ("Was ist das Heizungsgesetz?", "geg-heizungsgesetz"),
    ("Was ist ein Gründach?", "gruendach"),
    ("Gibt es Förderung für ein Gründach?", "gruendach-foerderung"),
    ("Wie finde ich einen guten Handwerker?", "handwerker-finden"),
    ("Kann ich Handwerkerkosten von der Steuer absetzen?", "handwerkerkosten-steuer"),
    ("Funktioniert eine Wärmepumpe mit normalen Heizkörpern?", "heizkoerper-waermepumpe"),
    ("Wie prüfe ich meine Heizkostenabrechnung?", "heizkostenabrechnung-pruefen"),
    ("Ab wann muss der Vermieter heizen?", "heizpflicht-vermieter"),
    ("Meine Heizung ist kaputt, was nun?", "heizung-kaputt"),
    ("Wie heize ich richtig?", "heizung-optimieren"),
    ("Wie oft muss die Heizung gewartet werden?", "heizung-wartung"),
    ("Gibt es Förderung für eine Wärmepumpe?", "heizungsfoerderung"),
    ("Welche Förderung gibt es für eine neue Heizung?", "heizungsfoerderung"),
    ("Was tun bei Hitze?", "hitze-tipps"),
    ("Wie schütze ich mich vor Hitze im Sommer?", "hitze-tipps"),
    ("Was ist eine Hybridheizung?", "hybridheizung"),
    ("Was ist ein hydraulischer Abgleich?", "hydraulischer-abgleich"),
    ("Was kostet ein hydraulischer Abgleich?", "hydraulischer-abgleich-kosten"),
    ("Ist eine Infrarotheizung sinnvoll?", "infrarotheizung"),
    ("Was ist ein Sanierungsfahrplan?", "isfp"),
    ("Was ist die Jahresarbeitszahl?", "jahresarbeitszahl"),
    ("Was ist Jung kauft Alt?", "jung-kauft-alt"),
    ("Darf ich meinen Kaminofen noch benutzen?", "kaminofen-regeln"),
    ("Gibt es Klimaschutz-Angebote für Schulen?", "kinder-schulen-klimabildung"),
    ("Ist Ochtrup im Klima-Bündnis?", "klima-buendnis"),
    ("Gibt es einen Klimafonds in Ochtrup?", "klimafonds"),
    ("Wie gestalte ich meinen Garten klimafreundlich?", "klimafreundlicher-garten"),
    ("Was bedeutet klimaneutral?", "klimaneutral-begriff"),
    ("Was ist das Klimaschutzkonzept von Ochtrup?", "klimaschutzkonzept"),
    ("Was macht die Stadt Ochtrup für den Klimaschutz?", "klimaschutzkonzept"),
    ("Was tut Ochtrup für den Klimaschutz?", "klimaschutzkonzept"),
    ("What does the climate manager do?", "klimaschutzmanagement-aufgaben"),
    ("Wer ist der Klimaschutzmanager in Ochtrup?", "klimaschutzmanagement-kontakt"),
    ("Wer ist für Klimaschutz zuständig?", "klimaschutzmanagement-kontakt"),
    ("Wie erreiche ich die Klimaschutzmanagerin?", "klimaschutzmanagement-kontakt"),
    ("Was ist die Klimaschutzsiedlung?", "klimaschutzsiedlung"),
    ("Was ist der Klimawandel?", "klimawandel-grundlagen"),
    ("Wann will Ochtrup klimaneutral sein?", "klimaziele"),
    ("Was macht der Kreis Steinfurt für den Klimaschutz?", "kreis-klimaschutz-energieland2050"),
    ("Lohnt sich ein neuer Kühlschrank?", "kuehlschrank-tausch"),
    ("Stellt die Stadt die Straßenbeleuchtung auf LED um?", "led-strassenbeleuchtung"),
    ("Welche Maßnahmen gibt es im Klimaschutzkonzept?", "massnahmen-liste"),
    ("Was ist Mieterstrom?", "mieterstrom"),
    ("Wie kann ich mitmachen?", "mitmachen-ehrenamt"),
    ("Wie baue ich klimafreundlich neu?", "neubau-klimafreundlich"),
    ("Was ist Ökoprofit?", "oekoprofit"),
    ("Was kostet Ökostrom?", "oekostrom-kosten"),
    ("Wie wechsle ich zu Ökostrom?", "oekostrom-wechsel"),
    ("Wie komme ich mit Bus und Bahn nach Münster?", "oepnv"),
    ("Was ist eine Pelletheizung?", "pelletheizung"),
    ("Muss ich meine PV-Anlage anmelden?", "pv-anmeldung"),
    ("Welche Ausrichtung ist für Solarmodule am besten?", "pv-ausrichtung"),
    ("Lohnt sich eine Photovoltaikanlage noch?", "pv-dach"),
    ("Wie hoch ist die Einspeisevergütung?", "pv-einspeiseverguetung"),
    ("Gibt es Förderung für eine Photovoltaikanlage?", "pv-foerderung"),
    ("Gibt es einen Kredit von der KfW für Solaranlagen?", "pv-foerderung"),
    ("Gibt es in Ochtrup Förderung für Solaranlagen?", "pv-foerderung"),
    ("Was ist eine Photovoltaikanlage?", "pv-funktion"),
    ("Wie funktioniert eine Solaranlage?", "pv-funktion"),
    ("Brauche ich eine Genehmigung für eine PV-Anlage?", "pv-genehmigung"),
    ("Do I need a permit for solar panels?", "pv-genehmigung"),
    ("Wie groß sollte meine PV-Anlage sein?", "pv-groesse"),
    ("Was kostet eine PV-Anlage?", "pv-kosten"),
    ("Wie lange hält eine Solaranlage?", "pv-lebensdauer"),
    ("Was passiert bei Stromausfall mit meiner Solaranlage?", "pv-notstrom"),
    ("Lohnt sich ein Stromspeicher?", "pv-speicher"),
    ("Muss ich für meine Solaranlage Steuern zahlen?", "pv-steuer"),
    ("Wie kann ich Regenwasser nutzen?", "regenwasser"),
    ("Wie lüfte ich richtig?", "richtig-lueften"),
    ("Is there funding for insulation?", "sanierung-foerderung"),
    ("Was ist Schulradeln?", "schulradeln"),
    ("Was ist ein Smart Meter und brauche ich einen?", "smart-meter"),
    ("Was ist ein Smart Meter?", "smart-meter"),
    ("Was ist ein Solarbotschafter?", "solarbotschafter"),
    ("Gilt in NRW eine Solarpflicht?", "solarpflicht"),
    ("Wann ist Stadtradeln in Ochtrup?", "stadtradeln"),
    ("Was ist Stadtradeln?", "stadtradeln"),
    ("Wie schütze ich mein Haus vor Starkregen?", "starkregen"),
    ("Wie kann ich Strom sparen?", "stromsparen-haushalt"),
    ("Was bringt ein Stromspeicher?", "stromspeicher-funktion"),
    ("Was ist ein Stromspeicher?", "stromspeicher-funktion"),
    ("Was kostet ein Stromspeicher?", "stromspeicher-kosten"),
    ("Wie lange hält ein Stromspeicher?", "stromspeicher-lebensdauer"),
    ("Wie viel Strom verbraucht ein Haushalt?", "stromverbrauch-haushalt"),
    ("Was ist eine Thermografie?", "thermografie"),
    ("Kann jemand bei uns im Verein einen Vortrag halten?", "vortrag-anfragen"),
    ("Gibt es in Ochtrup ein Wärmenetz?", "waermenetz-fernwaerme"),
    ("Was ist die kommunale Wärmeplanung?", "waermeplanung"),
    ("Is a heat pump worth it in an old house?", "waermepumpe-altbau"),
    ("Lohnt sich eine Wärmepumpe im Altbau?", "waermepumpe-altbau"),
    ("How much does a heat pump cost?", "waermepumpe-anschaffung"),
    ("Wie viel kostet eine Wärmepumpe?", "waermepumpe-anschaffung"),
    ("Was ist eine Wärmepumpe?", "waermepumpe-funktion"),
    ("Wie funktioniert eine Wärmepumpe?", "waermepumpe-funktion"),
    ("Ist eine Wärmepumpe laut?", "waermepumpe-laerm"),
    ("Wie laut darf eine Wärmepumpe sein?", "waermepumpe-laerm"),
    ("Gibt es einen Zuschuss für eine Wallbox?", "wallbox"),
    ("Was kostet eine Wallbox?", "wallbox-kosten"),
    ("Wie spare ich Warmwasser?", "warmwasser-sparen"),
    ("Gibt es Windräder in Ochtrup?", "windenergie"),
)

# Asked for a subsidy where both a storage entry and the PV subsidy entry fit: candidates, and
# the subsidy entry among them.
OFFERED = (
    ("Wird ein Batteriespeicher gefördert?", "pv-foerderung"),
    ("Gibt es Zuschüsse für einen Stromspeicher?", "pv-foerderung"),
)


@pytest.mark.meaning
@pytest.mark.parametrize(("question", "entry_id"), COMMON)
def test_a_common_question_gets_its_answer(question: str, entry_id: str) -> None:
    outcome = _index(meaning=True).ask(question)
    assert (outcome.kind, outcome.entry_id) == ("answer", entry_id), outcome


@pytest.mark.meaning
@pytest.mark.parametrize(("question", "entry_id"), OFFERED)
def test_a_subsidy_question_on_storage_offers_the_subsidy_entry(
    question: str, entry_id: str
) -> None:
    outcome = _index(meaning=True).ask(question)
    assert outcome.kind == "did_you_mean", outcome
    assert entry_id in outcome.candidates, outcome
