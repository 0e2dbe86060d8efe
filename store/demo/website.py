"""The sample sites' pages, forms, newsletters, products and downloads that activities
refer to."""

from __future__ import annotations

SITES = (("CorporateSite", "Corporate site"), ("DancingGoat", "Dancing Goat"),
         ("OnlineStore", "Online store"))

PAGES = (
    ("/Home", 30), ("/Products", 10), ("/Products/Coffee", 8), ("/Products/Brewers", 6),
    ("/Products/Grinders", 4), ("/Products/Accessories", 3), ("/Pricing", 6),
    ("/About-us", 4), ("/Contact-us", 4), ("/Blog", 6), ("/Blog/Brewing-guide", 3),
    ("/Blog/Origins-of-arabica", 2), ("/Blog/Coffee-processing-techniques", 2),
    ("/Blog/Where-does-coffee-come-from", 2), ("/Careers", 2), ("/Support", 3),
    ("/Support/FAQ", 3), ("/Events", 2), ("/Partners", 1), ("/Cafes", 3), ("/Store", 5),
    ("/Store/Checkout", 2), ("/Privacy-policy", 1),
)
LANDING_PAGES = (("/Campaigns/Spring-sale", 4), ("/Campaigns/Black-Friday", 4),
                 ("/Landing/Free-trial", 5), ("/Landing/Webinar", 3),
                 ("/Landing/Coffee-subscription", 3), ("/Landing/Partner-program", 1))
FORMS = {  # form code name: (page, weight)
    "ContactUs": ("/Contact-us", 30),
    "Newsletter": ("/Newsletter", 30),
    "DownloadWhitepaper": ("/Resources/Whitepapers", 25),
    "EventRegistration": ("/Events/Registration", 15),
}
NEWSLETTERS = (("Monthly digest", 5), ("Product news", 3), ("Events and webinars", 2),
               ("Partner bulletin", 1))
EMAIL_LINKS = ("/Products/Coffee", "/Campaigns/Spring-sale", "/Blog/Brewing-guide",
               "/Events", "/Landing/Free-trial", "/Store", "/Pricing")
PRODUCTS = (("Colombia Carlos Imbachi", 14.9), ("Ethiopia Sidamo", 16.5),
            ("Espresso blend 1 kg", 29.0), ("AeroPress", 39.9), ("Hario V60 dripper", 24.0),
            ("Chemex 6-cup", 49.0), ("Burr grinder", 129.0), ("Espresso machine", 649.0),
            ("Milk frother", 79.0), ("Coffee subscription (3 months)", 89.0),
            ("Gift card", 50.0), ("Barista course", 199.0))
FILES = ("Product-catalogue.pdf", "Price-list.pdf", "Brewing-guide.pdf",
         "Annual-report.pdf", "Whitepaper-coffee-supply-chain.pdf", "Case-study.pdf",
         "Brand-assets.zip", "Datasheet-grinder.pdf")
SEARCHES = ("espresso", "decaf", "grinder", "price", "subscription", "arabica", "v60",
            "machine", "gift card", "shipping", "returns", "café near me", "barista course",
            "cold brew", "kávovar", "Kaffeemühle")
SUBJECTS = ("Pricing question", "Support request", "Partnership", "Demo request",
            "Wholesale order", "Other")
MESSAGES = (
    "Please send me a quote for 50 kg monthly.", "Can you call me back tomorrow?",
    "Do you ship to my country?", "I would like to become a reseller.",
    "My order has not arrived yet.", "Is the grinder compatible with 230 V?",
    "We are opening a new café and need equipment.", "Please remove me from your list.",
)
WHITEPAPERS = ("The coffee supply chain", "Sustainable sourcing 2025", "Café economics",
               "Brewing at scale")
EVENTS = ("Coffee Expo Prague", "Barista Championship", "Spring webinar",
          "Partner summit", "Roastery open day")
TOPICS = ("Product news", "Events", "Brewing tips", "Offers")
