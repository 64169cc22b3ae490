# ruff: noqa: E501 (the seed's long lines, as typed)
"""The meeting of 3 March 2021, as a facilitator would enter it (from shared/seeds/004_…)."""

from __future__ import annotations

from datetime import date

from bot.domain.summary import Edition, SummaryInput, parse_themes

THEMES_TEXT = """\
- De klankbordgroep bespreekt enkele landelijke ontwikkelingen vanuit het programma Geweld hoort nergens thuis zoals de handreiking Samen deskundig; dat is een product van Spiegelgroep met de kennisinstituten over de inzet van ervingsdeskundigheid bij huiselijk geweld. De Regio Gooi en Vechtstreek werkt mee met een pilot. Daarnaast is er landelijk (en regionaal) aandacht voor MDA++ (= aanpak voor meest complexe casuïstiek) en projecten in de vrouwenopvang en rondom kinderen. In corona- tijd zijn er zorgen dat er veel achter de voordeur blijft. Daarom zijn er landelijke campagnes en is er een chatfunctie bij Veilig thuis gekomen.
- Regionale ontwikkelingen die besproken worden zijn Handle with Care waarmee een pilot is gestart in Huizen. Doel is dat kinderen snelle steun krijgen. Meer info: https://www.augeo.nl/nl/nl/handle-with-care/
Daarnaast wordt genoemd dat het Herstelnetwerk is gestart met activiteiten voor slachtoffers van huiselijk geweld en kindermishandeling. Meer info: https://www.herstelnetwerk.nl/
- Twee onderzoekers van Regioplan en het Athena-instituut sluiten aan bij de vergadering om input op te halen voor een onderzoek dat uitgevoerd wordt in Rotterdam- Rijnmond en Gooi en Vechtstreek naar samenwerking bij huiselijk geweld. Besproken wordt wat randvoorwaarden zijn om samenwerking op het gebied van huiselijk geweld te verbeteren. Vragen die de onderzoekers hebben zijn:
  - Wat zijn de grootste knelpunten in de aanpak HGKM in de regio op dit moment?
  - Wat zou volgens u de ideale situatie zijn?
  - Hoe kunnen slachtoffers van huiselijk geweld het beste regie behouden en welke ondersteuning hebben ze daarbij nodig?
  - Welke kwaliteiten/kenmerken maakt een goede (proces/casus)-regisseur (daarmee bedoelen we de medewerker die u ondersteunt)?
  - Wat ziet u op dit moment al veranderen in de aanpak van HGKM in de regio (of gemeenten)? Waar werken gemeenten aan? En waar ligt nog ruimte voor verbetering?

De leden van de klankbordgroep hebben wisselende ervaringen met de gemeenten, de afstand is soms groot. Ze vertellen wat er nodig is om je gesteund te voelen door de gemeente.
"""

INPUT_USE = (
    "De onderzoekers van Regioplan en het Athena-instituut nemen de input mee in het "
    "onderzoeksrapport dat met de gemeenten besproken zal worden."
)
CONTACT = "samenkracht@regiogv.nl, a.jong@regiogv.nl"


def seed_input(*, published: bool = True) -> SummaryInput:
    """The seed is a published summary (no CONCEPT); ``published=False`` makes it a draft."""
    themes, note = parse_themes(THEMES_TEXT)
    return SummaryInput(
        meeting_date=date(2021, 3, 3),
        topic="klankbordgroep Geweld hoort nergens thuis",
        themes=themes,
        themes_note=note,
        input_use=INPUT_USE,
        next_meeting=date(2021, 6, 2),
        contacts=("samenkracht@regiogv.nl", "a.jong@regiogv.nl"),
        edition=Edition(published=published, version=1, day=date(2021, 3, 10)),
    )
