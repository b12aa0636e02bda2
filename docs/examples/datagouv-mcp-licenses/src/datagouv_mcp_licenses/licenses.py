"""The licences data.gouv.fr offers, by id (udata's licence vocabulary): this plugin's data
source, where an upstream plugin has its client.py. Pure data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class License:
    id: str
    title: str
    url: str | None
    commercial_use: bool
    attribution: bool
    share_alike: bool
    summary_en: str
    summary_fr: str


LICENSES = {
    lic.id: lic
    for lic in (
        License(
            "lov2",
            "Licence Ouverte / Open Licence version 2.0",
            "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            True,
            True,
            False,
            "Reuse freely, including commercially, provided you credit the source.",
            "Réutilisation libre, y compris commerciale, en citant la source.",
        ),
        License(
            "fr-lo",
            "Licence Ouverte / Open Licence (version 1.0)",
            "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf",
            True,
            True,
            False,
            "The first version of the Licence Ouverte: free reuse with attribution.",
            "Première version de la Licence Ouverte : réutilisation libre en citant la source.",
        ),
        License(
            "odc-odbl",
            "Open Data Commons Open Database License (ODbL)",
            "https://opendatacommons.org/licenses/odbl/summary/",
            True,
            True,
            True,
            "Reuse with attribution; a database derived from it must be shared under the ODbL.",
            "Réutilisation en citant la source ; une base dérivée doit être partagée sous ODbL.",
        ),
        License(
            "cc-by",
            "Creative Commons Attribution",
            "https://creativecommons.org/licenses/by/4.0/",
            True,
            True,
            False,
            "Reuse freely with attribution.",
            "Réutilisation libre en citant l'auteur.",
        ),
        License(
            "cc-by-sa",
            "Creative Commons Attribution Share-Alike",
            "https://creativecommons.org/licenses/by-sa/4.0/",
            True,
            True,
            True,
            "Reuse with attribution; derived works under the same licence.",
            "Réutilisation en citant l'auteur ; œuvres dérivées sous la même licence.",
        ),
        License(
            "cc-zero",
            "Creative Commons CCZero",
            "https://creativecommons.org/publicdomain/zero/1.0/",
            True,
            False,
            False,
            "Public domain dedication: no conditions.",
            "Versement au domaine public : aucune condition.",
        ),
        License(
            "notspecified",
            "License Not Specified",
            None,
            False,
            False,
            False,
            "The producer gave no licence: ask them before reusing the data.",
            "Le producteur n'a pas indiqué de licence : demandez-lui avant de réutiliser.",
        ),
    )
}
