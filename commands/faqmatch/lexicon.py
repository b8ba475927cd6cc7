"""Word lists: function words to drop, and general words that say little about a topic.

Stopwords are dropped before anything else. Weak words stay, with little weight: everyday
verbs, people, times and places that citizens wrap a question in ("meine Eltern haben gehört",
"wir überlegen seit Wochen", "in Ochtrup"). They are no evidence for any FAQ entry, and their
absence from an entry is no evidence against it, so they must neither match nor dilute a match.
The lists hold surface forms as written; callers fold them for their language.
"""

from __future__ import annotations

__all__ = ["ENGLISH_STOP", "ENGLISH_WEAK", "GERMAN_STOP", "GERMAN_WEAK"]

# Standard function words plus chat fillers ("hallo", "bitte", "infos", "erfahren") that say
# nothing about which FAQ entry is meant. Question words are fillers too: the FAQ answers
# "wann"/"wo"/"wer" for a topic in the same entry. Polite formulas of letters and e-mails
# ("Sehr geehrte Damen und Herren", "vielen Dank im Voraus") are fillers as well.
GERMAN_STOP = """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer
    anderes anders auch auf aus bei beim bin bis bist bzw da dabei dafür dagegen daher damit
    danach dann daran darauf darf darfst darin darüber darum das dass daß davon dazu dein deine
    deinem deinen deiner deines dem den denen denn der deren des dessen dich die dies diese
    diesem diesen dieser dieses dir doch dort du durch eben ein eine einem einen einer eines
    einfach einige einigem einigen einiger einiges einmal er es etwa etwas euch euer eure eurem
    euren eurer eures für gegen gehabt gewesen hab habe haben hast hat hatte hatten hätte hätten
    hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im in indem ins ist ja je
    jede jedem jeden jeder jedes jemand jene jenem jenen jener jenes jetzt kann kannst kein keine
    keinem keinen keiner keines können könnt könnte könnten könntest man manche manchem manchen
    mancher manches mein meine meinem meinen meiner meines mich mir mit muss musst müssen müsste
    nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner seines seid
    selbst sich sie sind so solche solchem solchen solcher solches soll sollen sollte sollten
    sondern sonst über um und uns unser unsere unserem unseren unserer unseres unter viel viele
    vom von vor weiter weitere weiteren weiterer weiteres wäre wären war waren warst was weil
    welche welchem welchen welcher welches wem
    wen wenn wer werde werden werdet wie wieder will willst wir wird wirst wo wollen wollte
    worden wurde wurden würde würden würdest zu zum zur zwar zwischen
    wann warum wieso weshalb woher wohin womit wofür worum wozu wobei woran worauf welches
    hallo hi hey moin servus tag guten morgen abend bitte danke dankeschön gerne gern mal
    eigentlich genau eventuell vielleicht irgendwie irgendwas irgendwo ok okay nein naja
    gibt gibts geben frage fragen infos info informationen information erfahren wissen weiß
    sagen sag sagt erklären erkläre erklär brauche brauchen suche suchen finde finden kriege
    möchte möchten möchtest mag ganz schon bereits dazu denn wohl gerade etc usw
    ne nem nen ner eh halt echt total wirklich überhaupt immer nochmal mehr weniger
    tun tut tue machen macht mache gemacht gehen geht gehe kommen kommt komme bekommen
    bekomme bekommt bekomm krieg kriegt kriegste stehen steht sehen sehe sieht lassen lasse
    lässt stimmt
    heißt bedeutet gut gute guten besser beste bzgl bezüglich leute jemand irgendwer
    wieviel wieviele wievielen erst erste ersten ersteres sowas sowie damit dadurch
    nächste nächsten nächster nächstes letzte letzten letzter letztes
    geehrte geehrter geehrten damen herren vielen dank voraus vorab freundlichen freundliche
    grüßen grüße gruß lg mfg liebe lieber liebes hochachtungsvoll beste grüsse
    irgendwelche irgendwelchen irgendein irgendeine irgendeinen irgendeinem irgendetwas
    irgendjemand irgendwann obwohl bevor während trotzdem dennoch jedoch allerdings leider
    ziemlich ungefähr circa ca derzeit momentan heutzutage inzwischen mittlerweile ständig
    deshalb deswegen sowieso quasi sozusagen beispielsweise zb ggf evtl hierzu hierfür
    sei seien dürfte dürften durfte konnte konnten musste mussten müssten wollten sollen
    jemandem jemanden niemand niemandem nix beide beiden mehrere sämtliche jeweils selber
    zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig dreißig hundert tausend
    gibbet gibs nich nix dat wat nochma mitm aufm fürs übers ums ans aufs durchs unterm überm
    fürn aufn ausm rum herum wärens wärs
    vorm hinterm is isses hätt würd wär gehts klar sone son jo joa nee hmm äh ähm
    einfache einfachen wirklich tatsächlich natürlich sicherlich bestimmt
    brauch braucht brauchst bräuchte bräuchten benötige benötigen benötigt
    etwa eher gleich kaum oft öfter manchmal selten häufig sofort bald dauernd ebenfalls
"""

ENGLISH_STOP = """
    a about above after again all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves
    out over own same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself yourselves
    hello hi hey please thanks thank tell know want need get got there's what's i'm is there
    info information find look looking anything something any way much many also
    dear sir madam regards kind cheers advance don doesn didn isn aren wasn weren couldn wouldn
    shouldn won ve ll re might may must shall let lets ok okay yes yeah sure even ever yet still
    already really actually currently maybe perhaps probably quite rather anyway hereby good
    morning evening afternoon whether anyone someone everyone everything nothing though although
    since just able getting gets going goes doing done
"""

# General German words: people, time, everyday verbs and adverbs, the town's own name. Only
# words that name no FAQ topic belong here; "Haus", "alt" or "Kinder" do (Altbau, Schulen).
GERMAN_WEAK = """
    ochtrup ochtruper ochtrups
    eltern vater mutter sohn tochter mann frau ehemann ehefrau partner partnerin oma opa
    freund freundin freunde bekannter bekannte bekannten kollege kollegin kollegen chef chefin
    nachbar nachbarn nachbarin mensch menschen person personen privatperson bürger bürgerin
    jahr jahre jahren jahres monat monate monaten woche wochen tage tagen stunde stunden
    minute minuten zeit zeitpunkt moment heute gestern morgen übermorgen vorgestern abends
    früher später damals bisher vorher nachher zuerst zuletzt anfang ende mitte neulich kürzlich
    kurzem längerem langem zukunft vergangenheit frühjahr frühling herbst
    januar februar märz april mai juni juli august september oktober november dezember
    montag dienstag mittwoch donnerstag freitag samstag sonntag wochenende
    sache sachen ding dinge thema themen punkt idee frage problem probleme situation fall
    beispiel möglichkeit möglichkeiten art weise hinsicht teil grund gründe sinn
    ahnung überblick unterstützung tipp hinweis antwort antworten
    bringen bringt brachte gebracht anfangen fange fängt angefangen beginnen beginne begonnen
    überlegen überlege überlegt überlegten hören höre hört gehört lesen lese liest gelesen
    meinen meine meint meinte gemeint glauben glaube glaubt geglaubt denken denke denkt gedacht
    sprechen spreche spricht gesprochen reden rede redet geredet
    schreiben schreibe schreibt geschrieben antworten antworte antwortet
    liegen liegt lag gelegen setzen setze setzt gesetzt stellen stelle stellt gestellt
    legen lege legt gelegt nehmen nehme nimmt genommen halten halte hält gehalten
    bleiben bleibe bleibt geblieben ziehen ziehe zieht gezogen umziehen umgezogen zugezogen
    wohnen wohne wohnt gewohnt leben lebe lebt gelebt
    helfen helfe hilft geholfen unterstützen unterstützt versuchen versuche versucht
    schauen schaue schaut geschaut gucken gucke guckt zeigen zeige zeigt gezeigt
    verstehen verstehe versteht verstanden durchblicken blicke blickt interessieren
    interessiere interessiert wundern wundere wundert freuen freue freut ärgern ärgert
    passieren passiert passierte klappen klappt funktionieren funktioniert
    behaupten behauptet gesagt gefragt erfahren erfuhr gewusst kennen kenne kennt gekannt
    empfehlen empfiehlt empfohlen raten rät geraten vorschlagen vorgeschlagen
    kümmern kümmere kümmert erledigen erledige erledigt schaffen schaffe schafft geschafft
    ankommen angekommen kriegen gekriegt besorgen besorgt holen geholt
    hoffen hoffe hofft gehofft warten warte wartet gewartet fühlen fühle fühlt gefühlt
    gefallen gefällt mögen mochte gemocht lieben liebe liebt
    richtig falsch wichtig klar schnell langsam genug lange kurz später bald weit
    normal normale normalen ganze ganzen ganzes komplett komplette kompletten gesamte
    einzige einzigen eigentliche konkret konkrete konkreten genauer genaue genauen
    ehrlich ehrlichgesagt leider zufällig persönlich prinzipiell grundsätzlich generell
    drüben vorne hinten oben unten draußen drinnen unterwegs
    nämlich übrigens außerdem zudem ebenso jedenfalls immerhin zumindest wenigstens
    zusammen schließlich letztendlich endlich eigentlich offenbar anscheinend scheinbar
"""

ENGLISH_WEAK = """
    ochtrup town city people person family friend friends neighbour neighbor neighbours
    neighbors wife husband partner mother father parents son daughter colleague colleagues
    boss year years month months week weeks day days today tomorrow yesterday ago time
    recently lately soon later earlier moved moving move live living lives lived think
    thinking thought wonder wondering heard hear read reading told say said ask asking asked
    try trying tried thing things stuff idea question questions answer problem case example
    bit lot lots little kind sort part place area like love hope hoping sorry wanted wants
    wondered interested curious possible possibly exactly generally basically
"""
