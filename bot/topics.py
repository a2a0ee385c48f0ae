"""The programme's topics: stable slugs (in CSV files and button data) and translatable names."""

from __future__ import annotations

from typing import Final

from bot.i18n import N_

TOPICS: Final[dict[str, str]] = {
    "disaster-risk-reduction": N_("Disaster risk reduction"),
    "public-health": N_("Public health emergencies"),
    "climate-change": N_("Climate change"),
    "food-security": N_("Food security"),
    "e-commerce": N_("E-commerce"),
    "digital-innovation": N_("Digital innovation"),
    "sustainable-tourism": N_("Sustainable tourism"),
    "other": N_("Other topics"),
}
TOPIC_SLUGS: Final = tuple(TOPICS)
TOPIC_KEYS: Final = frozenset(str(i) for i in range(len(TOPIC_SLUGS)))  # in button data
