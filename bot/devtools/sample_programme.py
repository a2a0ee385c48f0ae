"""A small sample programme for the demo: real-looking sessions on every topic, always upcoming.

Start times are computed from "now", so the demo never shows an empty or past programme. The
result is a CSV in the import format, so the demo exercises the same import as organizers do.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from bot.services.programme_import import REQUIRED_COLUMNS

SESSIONS: tuple[dict[str, str], ...] = (
    {
        "code": "flood-early-warning",
        "topic": "disaster-risk-reduction",
        "days": "2",
        "hour": "13",
        "duration_minutes": "90",
        "capacity": "100",
        "language": "en",
        "title": "Early warning systems for urban floods",
        "description": "How cities in the Mekong delta and coastal West Africa warn residents "
        "hours before a flood, and what it costs to start.",
        "title_fr": "Systèmes d’alerte précoce contre les inondations urbaines",
        "title_es": "Sistemas de alerta temprana ante inundaciones urbanas",
        "title_ar": "أنظمة الإنذار المبكر بالفيضانات في المدن",
        "title_zh": "城市洪水预警系统",
        "title_ru": "Системы раннего оповещения о городских наводнениях",
    },
    {
        "code": "heat-health-plans",
        "topic": "public-health",
        "days": "3",
        "hour": "9",
        "duration_minutes": "60",
        "capacity": "3",
        "language": "fr",
        "title": "Heat-health action plans for municipalities",
        "description": "Protecting older people and outdoor workers during heatwaves.",
        "title_fr": "Plans canicule et santé pour les municipalités",
        "description_fr": "Protéger les personnes âgées et les travailleurs en extérieur "
        "pendant les vagues de chaleur.",
    },
    {
        "code": "city-climate-finance",
        "topic": "climate-change",
        "days": "5",
        "hour": "14",
        "duration_minutes": "120",
        "capacity": "",
        "language": "es",
        "title": "Financing city climate action",
        "description": "Green bonds, climate funds and partnerships: what works for "
        "secondary cities.",
        "title_es": "Financiar la acción climática de las ciudades",
    },
    {
        "code": "urban-food-markets",
        "topic": "food-security",
        "days": "6",
        "hour": "11",
        "duration_minutes": "75",
        "capacity": "200",
        "language": "ar",
        "title": "Keeping urban food markets supplied",
        "description": "Short supply chains and market management in times of crisis.",
        "title_ar": "ضمان تموين أسواق الغذاء في المدن",
    },
    {
        "code": "small-business-online",
        "topic": "e-commerce",
        "days": "8",
        "hour": "8",
        "duration_minutes": "60",
        "capacity": "500",
        "language": "zh",
        "title": "Bringing small businesses online",
        "description": "Rural e-commerce service centres and what municipalities can do.",
        "title_zh": "帮助小企业走向线上",
    },
    {
        "code": "digital-city-services",
        "topic": "digital-innovation",
        "days": "10",
        "hour": "12",
        "duration_minutes": "90",
        "capacity": "150",
        "language": "ru",
        "title": "Digital public services that residents actually use",
        "description": "Designing services for people with basic phones and slow connections.",
        "title_ru": "Цифровые городские услуги, которыми действительно пользуются",
    },
    {
        "code": "community-tourism",
        "topic": "sustainable-tourism",
        "days": "12",
        "hour": "15",
        "duration_minutes": "60",
        "capacity": "80",
        "language": "en",
        "title": "Community-based tourism after the pandemic",
        "description": "Sharing income with residents and protecting heritage sites.",
        "title_fr": "Le tourisme communautaire après la pandémie",
    },
    {
        "code": "city-partnerships",
        "topic": "other",
        "days": "14",
        "hour": "10",
        "duration_minutes": "45",
        "capacity": "",
        "language": "en",
        "title": "How city-to-city partnerships start",
        "description": "Finding a partner city, agreeing on goals, and the first exchange.",
    },
)


def sample_programme_csv(now: datetime) -> bytes:
    """The sample sessions as an import file, starting over the next two weeks."""
    languages = ("fr", "es", "ar", "zh", "ru")
    columns = [
        *REQUIRED_COLUMNS,
        *(f"{kind}_{lang}" for lang in languages for kind in ("title", "description")),
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore")
    writer.writeheader()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for session in SESSIONS:
        start = midnight + timedelta(days=int(session["days"]), hours=int(session["hour"]))
        writer.writerow(
            {
                **session,
                "starts_at": start.isoformat(timespec="minutes"),
                "join_url": f"https://meet.example.org/{session['code']}",
            }
        )
    return out.getvalue().encode("utf-8")
