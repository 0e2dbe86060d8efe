"""Words for companies, jobs and contact fields: what a contact or account is called."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FREE_MAIL = (("gmail.com", 40), ("outlook.com", 14), ("yahoo.com", 10), ("hotmail.com", 8),
             ("icloud.com", 5), ("proton.me", 1.5), ("aol.com", 1))

COMPANY_WORDS_A = _words(
    "Acme Apex Blue Bright Cedar Cobalt Crest Delta Eagle Echo Evergreen Falcon First Fusion "
    "Global Golden Granite Green Harbor Horizon Iron Keystone Lake Liberty Lumen Maple "
    "Meridian Metro Nexus North Nova Oak Omega Orbit Pacific Peak Pine Pinnacle Pioneer Prime "
    "Quantum Red River Rock Sapphire Silver Sky Smart Solar Spark Star Sterling Stone Summit "
    "Sun Swift Terra Titan Trinity True United Urban Vector Vista West Zenith Alpine Atlas "
    "Aurora Beacon Bridge Canyon Cardinal Citadel Coral Crystal Dune Ember Fjord Frontier"
)
COMPANY_WORDS_B = _words(
    "Systems Solutions Technologies Labs Software Logistics Consulting Partners Industries "
    "Analytics Media Networks Foods Coffee Energy Health Pharma Motors Robotics Capital "
    "Finance Insurance Retail Design Studio Works Manufacturing Engineering Data Cloud "
    "Security Telecom Travel Textiles Materials Brewing Chemicals Logic Digital Marketing "
    "Ventures Holdings Group Trading Supply Instruments Devices Electronics Outdoor Furniture"
)

JOB_TITLES = (
    "Marketing Manager", "Sales Manager", "CEO", "CTO", "CFO", "Office Manager", "Developer",
    "Software Engineer", "Product Manager", "Project Manager", "Account Executive",
    "Purchasing Manager", "HR Specialist", "Head of Marketing", "Marketing Specialist",
    "IT Administrator", "Operations Manager", "Consultant", "Business Analyst",
    "Customer Success Manager", "Designer", "Data Analyst", "Content Editor", "Owner",
    "Procurement Officer", "Chief Marketing Officer", "Sales Representative", "Assistant",
)
ROLES = (("Decision maker", 2), ("Influencer", 3), ("Technical contact", 2),
         ("Billing contact", 1), ("Employee", 6))
STATUSES = ((None, 25), ("Lead", 25), ("Prospect", 20), ("Customer", 18),
            ("Former customer", 5), ("Partner", 3), ("Unqualified", 4))
