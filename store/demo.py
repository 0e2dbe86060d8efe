"""Demo data: a realistic, deterministic contact database for trying the product out.

``generate_demo(contacts, seed)`` fills an empty database with sites, accounts (companies),
contacts from a skewed mix of countries, about five activities per contact over the last two
years (many contacts dormant for a year, a few very active), form submissions with their
field values, a few merged contacts, and three sample groups made through the store's own
services so that their audit trail and member counts are right.

The same seed gives the same data; only the anchor ``now`` (today at midnight UTC unless
given) moves the timestamps. Speed matters: a million contacts with five million activities
load in well under two minutes into SQLite. Rows are plain tuples drawn from precomputed
pools (timestamps are concatenated from precomputed day and time-of-day strings in the form
peewee stores), inserted in large batches by one bulk loader with an SQLite implementation
(multi-row INSERTs, no fsync or foreign-key lookups during the load, the indexes that rows
would hit at random dropped and rebuilt by one sort each) and a PostgreSQL one (``COPY …
FROM STDIN``). For big demos a second process generates the rows while this one inserts
them. Everything runs in one transaction, so a failure leaves the database as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import marshal
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
import unicodedata
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO

import peewee as pw

from store import accounts as account_service
from store import groups as group_service
from store import membership
from store.contact_sets import Selection
from store.database import database_proxy
from store.errors import StoreError
from store.models import (
    Account,
    AccountContact,
    Activity,
    Contact,
    ContactGroup,
    FormFieldValue,
    FormSubmission,
    Site,
)
from store.settings import edition

Progress = Callable[[str, float], None]

MAX_CONTACTS = 20_000_000
BATCH_CONTACTS = 20_000
HISTORY_DAYS = 730
DORMANT_DAYS = 365

INACTIVE_CONDITION = (
    '{%Rule("!Contact.DidActivity(null, null, ToInt(365))", "<rules><r pos=\\"0\\" par=\\"\\" '
    'op=\\"and\\" n=\\"CMSContactHasDoneAnyActivityInTheLastXDays\\" ><p n=\\"_perfectum\\">'
    "<t>has not</t><v>!</v><r>0</r><d>select operation</d><vt>text</vt><tv>0</tv></p>"
    '<p n=\\"days\\"><t>365</t><v>365</v><r>1</r><d>enter days</d><vt>integer</vt><tv>0</tv>'
    '</p></r></rules>")%}'
)

ACTIVITY_TYPES = (
    "pagevisit", "landingpage", "bizformsubmit", "newsletteropen", "newsletterclickthrough",
    "newslettersubscription", "newsletterunsubscription", "purchase", "userlogin",
    "filedownload", "internalsearch",
)


@dataclass(frozen=True)
class DemoSummary:
    contacts: int
    accounts: int
    activities: int
    form_submissions: int
    groups: int
    seconds: float


# --- pools -------------------------------------------------------------------------------
# Names by language area: (male first names, female first names, last names).

_NAMES: dict[str, tuple[str, str, str]] = {
    "en": (
        "James John Robert Michael William David Richard Joseph Thomas Charles Christopher "
        "Daniel Matthew Anthony Mark Steven Paul Andrew Joshua Kevin Brian George Edward "
        "Ryan Jacob Gary Nicholas Eric Jonathan Oliver Harry Jack Liam Noah Ethan Samuel",
        "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy "
        "Betty Sandra Ashley Emily Michelle Amanda Melissa Rebecca Laura Emma Olivia Sophie "
        "Charlotte Amelia Grace Chloe Hannah Megan Lucy Rachel Zoe Ava Isla Ruby",
        "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore "
        "Martin Jackson Thompson White Harris Clark Lewis Robinson Walker Young Allen King "
        "Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips "
        "Evans Turner Parker Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Cooper "
        "Peterson Reed Bailey Bell Kelly Howard Ward Cox Richardson Wood Watson Brooks Bennett "
        "Gray Hughes Price Sanders Price O'Brien O'Connor MacDonald McKenzie Fitzgerald Walsh",
    ),
    "de": (
        "Lukas Jonas Leon Finn Felix Maximilian Paul Elias Ben Noah Jürgen Klaus Stefan Uwe "
        "Wolfgang Andreas Thomas Michael Markus Florian Tobias Matthias Sebastian Jörg Björn",
        "Anna Lena Lea Hannah Marie Sophie Emilia Mia Laura Julia Katharina Sabine Ursula "
        "Petra Monika Claudia Birgit Jana Franziska Anja Sünje Jördis Käthe Lotte",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer "
        "Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
        "Hartmann Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid Schulze Maier Köhler "
        "Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung "
        "Hahn Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann "
        "Gruber Steiner Moser Hofer Brunner",
    ),
    "cs": (
        "Jan Jiří Petr Josef Pavel Martin Tomáš Jaroslav Miroslav Zdeněk Václav Michal "
        "František Jakub Milan Karel Lukáš David Ondřej Radek Vojtěch Matěj Štěpán Aleš "
        "Marek Peter Ján Juraj Ľubomír",
        "Marie Jana Eva Hana Anna Lenka Kateřina Věra Lucie Alena Petra Veronika Jaroslava "
        "Tereza Martina Michaela Jitka Helena Ludmila Zdeňka Barbora Klára Markéta Šárka "
        "Zuzana Ľudmila Dagmar Božena",
        "Novák Svoboda Novotný Dvořák Černý Procházka Kučera Veselý Horák Němec Marek "
        "Pospíšil Pokorný Hájek Král Jelínek Růžička Beneš Fiala Sedláček Doležal Zeman "
        "Kolář Navrátil Čermák Vaněk Urban Blažek Kříž Kovář Bartoš Vlček Polák Musil Kopecký "
        "Šimek Konečný Malý Holub Štěpánek Kadlec Dostál Soukup Šťastný Mareš Moravec Sýkora "
        "Valenta Tichý Vávra Matoušek Bláha Říha Ševčík Bureš Hruška Mašek Pavlík Janda "
        "Hrubý Kováč Horváth Varga Tóth Nagy Baláž Molnár Kollár Lukáč",
    ),
    "fr": (
        "Jean Pierre Michel André Philippe Alain Nicolas Julien Thomas Antoine Mathieu "
        "Sébastien Guillaume François Olivier Hugo Louis Lucas Théo Raphaël Jérôme Benoît "
        "Rémi Cédric Maël",
        "Marie Nathalie Isabelle Sylvie Catherine Françoise Valérie Sophie Camille Léa "
        "Chloé Manon Inès Céline Émilie Aurélie Hélène Élodie Margaux Anaïs Mélanie Gaëlle "
        "Noémie Zoé Agnès",
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
        "Lefèbvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier "
        "Dupont Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guérin "
        "Müller Henry Roussel Nicolas Perrin Mathieu Gauthier Chevalier Lefèvre Dupuis Peeters "
        "Janssens Maes Jacobs Lemaire Mertens",
    ),
    "nl": (
        "Daan Sem Lucas Levi Finn Bram Jesse Thijs Ruben Sander Pieter Joost Maarten Wouter "
        "Bas Koen Niels Sjoerd Gijs Teun",
        "Emma Julia Sophie Tess Sara Anna Eva Lotte Fleur Noor Sanne Lieke Femke Anouk "
        "Marloes Ilse Esther Mirjam Ineke Maaike",
        "de Jong Jansen de Vries van den Berg van Dijk Bakker Janssen Visser Smit Meijer "
        "de Boer Mulder de Groot Bos Vos Peters Hendriks van Leeuwen Dekker Brouwer de Wit "
        "Dijkstra Smits de Graaf van der Meer van der Linden Kok Jacobs de Haan Vermeulen",
    ),
    "es": (
        "Antonio José Manuel Francisco David Juan Javier Daniel Carlos Jesús Alejandro Miguel "
        "Rafael Pablo Sergio Fernando Jorge Andrés Álvaro Íñigo Diego Mateo",
        "María Carmen Ana Isabel Laura Cristina Marta Lucía Elena Sara Paula Raquel Rocío "
        "Sofía Valentina Camila Ximena Guadalupe Begoña Nerea Inés",
        "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín "
        "Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro "
        "Torres Domínguez Vázquez Ramos Gil Ramírez Serrano Blanco Suárez Castillo Ortega "
        "Núñez Peña Ibáñez",
    ),
    "it": (
        "Giuseppe Giovanni Antonio Mario Luigi Francesco Angelo Vincenzo Pietro Salvatore "
        "Marco Alessandro Lorenzo Matteo Andrea Niccolò Leonardo Davide Simone Fabrizio",
        "Maria Anna Giuseppina Rosa Angela Giovanna Teresa Lucia Carmela Francesca Giulia "
        "Chiara Sofia Aurora Alessia Federica Martina Elisa Ilaria Beatrice",
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
        "Conti De Luca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro "
        "Mariani Rinaldi Caruso Ferrara Galli Martini Leone Longo Gentile Martinelli Vitale "
        "D'Angelo Fabbri Nicolò",
    ),
    "pl": (
        "Piotr Krzysztof Andrzej Tomasz Paweł Jan Michał Marcin Stanisław Jakub Adam Łukasz "
        "Grzegorz Mateusz Wojciech Mariusz Dariusz Zbigniew Jerzy Maciej",
        "Anna Katarzyna Maria Małgorzata Agnieszka Barbara Ewa Magdalena Elżbieta Joanna "
        "Aleksandra Monika Zofia Natalia Karolina Justyna Dorota Beata Jadwiga Żaneta",
        "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński "
        "Szymański Woźniak Dąbrowski Kozłowski Jankowski Mazur Wojciechowski Kwiatkowski "
        "Krawczyk Kaczmarek Piotrowski Grabowski Zając Pawłowski Michalski Król Wieczorek "
        "Jabłoński Wróbel Nowakowski Majewski Olszewski Stępień Malinowski Jaworski Górski",
    ),
    "nordic": (
        "Lars Anders Johan Erik Karl Per Nils Mikael Jonas Magnus Ole Søren Henrik Jens "
        "Mads Rasmus Bjørn Håkon Sigurd Oskar Axel",
        "Anna Eva Maria Karin Kristina Lena Sara Emma Ingrid Astrid Sofie Mette Camilla "
        "Hanne Line Ida Freja Maja Åsa Solveig Linnéa",
        "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson "
        "Gustafsson Pettersson Jonsson Jensen Nielsen Hansen Pedersen Andersen Christensen "
        "Larsen Sørensen Rasmussen Jørgensen Johansen Olsen Berg Haugen Hagen Bakken Lindqvist "
        "Lindström Åberg Öberg Bergström",
    ),
    "pt": (
        "João José Antônio Francisco Carlos Paulo Pedro Lucas Luiz Marcos Luís Gabriel "
        "Rafael Daniel Marcelo Bruno Eduardo Felipe Rodrigo Gonçalo Tiago",
        "Maria Ana Francisca Antônia Adriana Juliana Márcia Fernanda Patrícia Aline Beatriz "
        "Camila Letícia Larissa Inês Leonor Mariana Carolina Sônia Conceição",
        "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa "
        "Ribeiro Martins Carvalho Almeida Lopes Soares Fernandes Vieira Barbosa Rocha Dias "
        "Nascimento Andrade Moreira Nunes Marques Machado Mendes Freitas Gonçalves Araújo "
        "Magalhães Brandão",
    ),
    "in": (
        "Rahul Amit Raj Sanjay Vikram Arjun Rohan Anil Suresh Ravi Karthik Aditya Deepak "
        "Manish Nikhil Pranav Varun Siddharth Harish Aarav",
        "Priya Anjali Pooja Neha Sunita Kavya Divya Ananya Lakshmi Meera Aisha Sneha Isha "
        "Shreya Nandini Riya Deepika Swati Aditi Saanvi",
        "Sharma Patel Singh Kumar Gupta Reddy Rao Iyer Nair Menon Joshi Mehta Shah Desai "
        "Chopra Malhotra Kapoor Verma Agarwal Banerjee Chatterjee Mukherjee Das Pillai Bhat "
        "Krishnan Subramanian Chaudhary Pandey Mishra",
    ),
}

# Multi-word surnames (``de Jong``, ``van den Berg``, ``De Luca``) are kept together.
_PARTICLES = ("de", "van", "den", "der", "De")


def _split_names(text: str) -> tuple[str, ...]:
    names: list[str] = []
    pending: list[str] = []
    for word in text.split():
        pending.append(word)
        if word not in _PARTICLES:
            names.append(" ".join(pending))
            pending = []
    return tuple(dict.fromkeys(names))  # unique, order kept


def _feminine(last: str, area: str) -> str:
    """The female form of a Czech/Slovak or Polish surname (Novák → Nováková)."""
    if area == "cs":
        if last.endswith("ý"):
            return last[:-1] + "á"
        if last.endswith("a"):
            return last[:-1] + "ová"
        if last.endswith("ek") or last.endswith("ec"):
            return last[:-2] + last[-1] + "ová"
        return last + "ová"
    if area == "pl" and last.endswith(("ski", "cki", "dzki")):
        return last[:-1] + "a"
    return last


@dataclass(frozen=True)
class _Country:
    code: str
    name: str
    weight: float
    area: str
    cities: tuple[str, ...]
    phone: str  # "+420 ### ### ###"
    mail_domains: tuple[str, ...]
    tld: str
    legal_forms: tuple[str, ...]

    @cached_property
    def phone_format(self) -> str:
        """The phone pattern with one ``%s`` per digit, for 16 digits to fill."""
        pattern = self.phone.replace("%", "%%").replace("#", "%s")
        return pattern + "%.0s" * (16 - self.phone.count("#"))


def _c(code: str, name: str, weight: float, area: str, cities: str, phone: str, domains: str,
       tld: str, forms: str) -> _Country:
    return _Country(code, name, weight, area, tuple(cities.split(";")), phone,
                    tuple(domains.split()), tld, tuple(forms.split(";")))


_COUNTRIES: tuple[_Country, ...] = (
    _c("US", "United States", 30, "en",
       "New York;Los Angeles;Chicago;Houston;Phoenix;Philadelphia;San Antonio;San Diego;"
       "Dallas;San Jose;Austin;Seattle;Denver;Boston;Atlanta;Miami;Portland;Minneapolis",
       "+1 ###-###-####", "", ".com", "Inc.;LLC;Corp."),
    _c("GB", "United Kingdom", 12, "en",
       "London;Manchester;Birmingham;Leeds;Glasgow;Edinburgh;Bristol;Liverpool;Cambridge",
       "+44 #### ######", "btinternet.com sky.com", ".co.uk", "Ltd;plc"),
    _c("DE", "Germany", 10, "de",
       "Berlin;München;Hamburg;Köln;Frankfurt am Main;Stuttgart;Düsseldorf;Leipzig;Nürnberg",
       "+49 ### #######", "web.de gmx.de t-online.de", ".de", "GmbH;AG;GmbH & Co. KG"),
    _c("CZ", "Czech Republic", 7, "cs",
       "Praha;Brno;Ostrava;Plzeň;Liberec;Olomouc;České Budějovice;Hradec Králové;Zlín",
       "+420 ### ### ###", "seznam.cz email.cz centrum.cz", ".cz", "s.r.o.;a.s."),
    _c("FR", "France", 6, "fr",
       "Paris;Marseille;Lyon;Toulouse;Nice;Nantes;Strasbourg;Montpellier;Bordeaux;Lille",
       "+33 # ## ## ## ##", "orange.fr free.fr laposte.net", ".fr", "SA;SAS;SARL"),
    _c("CA", "Canada", 5, "en",
       "Toronto;Montréal;Vancouver;Calgary;Ottawa;Edmonton;Québec;Winnipeg",
       "+1 ###-###-####", "rogers.com", ".ca", "Inc.;Ltd."),
    _c("AU", "Australia", 4, "en", "Sydney;Melbourne;Brisbane;Perth;Adelaide;Canberra",
       "+61 # #### ####", "bigpond.com", ".com.au", "Pty Ltd"),
    _c("NL", "Netherlands", 4, "nl",
       "Amsterdam;Rotterdam;Den Haag;Utrecht;Eindhoven;Groningen;Tilburg",
       "+31 ## ### ####", "ziggo.nl kpnmail.nl", ".nl", "B.V.;N.V."),
    _c("ES", "Spain", 3, "es", "Madrid;Barcelona;Valencia;Sevilla;Zaragoza;Málaga;Bilbao",
       "+34 ### ### ###", "telefonica.net", ".es", "S.L.;S.A."),
    _c("IT", "Italy", 3, "it", "Roma;Milano;Napoli;Torino;Palermo;Bologna;Firenze",
       "+39 ### #######", "libero.it virgilio.it", ".it", "S.p.A.;S.r.l."),
    _c("PL", "Poland", 3, "pl", "Warszawa;Kraków;Łódź;Wrocław;Poznań;Gdańsk",
       "+48 ### ### ###", "wp.pl onet.pl", ".pl", "Sp. z o.o.;S.A."),
    _c("SE", "Sweden", 2, "nordic", "Stockholm;Göteborg;Malmö;Uppsala",
       "+46 ## ### ## ##", "telia.com", ".se", "AB"),
    _c("AT", "Austria", 2, "de", "Wien;Graz;Linz;Salzburg;Innsbruck",
       "+43 ### ######", "aon.at", ".at", "GmbH;AG"),
    _c("CH", "Switzerland", 2, "de", "Zürich;Genève;Basel;Bern;Lausanne",
       "+41 ## ### ## ##", "bluewin.ch", ".ch", "AG;GmbH;SA"),
    _c("BE", "Belgium", 2, "fr", "Bruxelles;Antwerpen;Gent;Liège;Brugge",
       "+32 ### ## ## ##", "skynet.be", ".be", "NV;SA;BV"),
    _c("SK", "Slovakia", 1.5, "cs", "Bratislava;Košice;Žilina;Prešov;Nitra",
       "+421 ### ### ###", "azet.sk", ".sk", "s.r.o.;a.s."),
    _c("IE", "Ireland", 1.5, "en", "Dublin;Cork;Galway;Limerick",
       "+353 ## ### ####", "eircom.net", ".ie", "Ltd;DAC"),
    _c("IN", "India", 1.5, "in", "Bengaluru;Mumbai;Delhi;Hyderabad;Chennai;Pune",
       "+91 ##### #####", "rediffmail.com", ".in", "Pvt. Ltd.;Ltd."),
    _c("DK", "Denmark", 1, "nordic", "København;Aarhus;Odense;Aalborg",
       "+45 ## ## ## ##", "", ".dk", "A/S;ApS"),
    _c("NO", "Norway", 1, "nordic", "Oslo;Bergen;Trondheim;Stavanger",
       "+47 ### ## ###", "online.no", ".no", "AS;ASA"),
    _c("BR", "Brazil", 1, "pt", "São Paulo;Rio de Janeiro;Brasília;Belo Horizonte;Curitiba",
       "+55 ## #####-####", "uol.com.br bol.com.br", ".com.br", "Ltda.;S.A."),
    _c("PT", "Portugal", 0.7, "pt", "Lisboa;Porto;Braga;Coimbra",
       "+351 ### ### ###", "sapo.pt", ".pt", "Lda.;S.A."),
    _c("MX", "Mexico", 0.8, "es", "Ciudad de México;Guadalajara;Monterrey;Puebla",
       "+52 ## #### ####", "prodigy.net.mx", ".mx", "S.A. de C.V."),
    _c("NZ", "New Zealand", 0.5, "en", "Auckland;Wellington;Christchurch",
       "+64 # ### ####", "xtra.co.nz", ".co.nz", "Ltd"),
)

def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_FREE_MAIL = (("gmail.com", 40), ("outlook.com", 14), ("yahoo.com", 10), ("hotmail.com", 8),
              ("icloud.com", 5), ("proton.me", 1.5), ("aol.com", 1))

_COMPANY_WORDS_A = _words(
    "Acme Apex Blue Bright Cedar Cobalt Crest Delta Eagle Echo Evergreen Falcon First Fusion "
    "Global Golden Granite Green Harbor Horizon Iron Keystone Lake Liberty Lumen Maple "
    "Meridian Metro Nexus North Nova Oak Omega Orbit Pacific Peak Pine Pinnacle Pioneer Prime "
    "Quantum Red River Rock Sapphire Silver Sky Smart Solar Spark Star Sterling Stone Summit "
    "Sun Swift Terra Titan Trinity True United Urban Vector Vista West Zenith Alpine Atlas "
    "Aurora Beacon Bridge Canyon Cardinal Citadel Coral Crystal Dune Ember Fjord Frontier"
)
_COMPANY_WORDS_B = _words(
    "Systems Solutions Technologies Labs Software Logistics Consulting Partners Industries "
    "Analytics Media Networks Foods Coffee Energy Health Pharma Motors Robotics Capital "
    "Finance Insurance Retail Design Studio Works Manufacturing Engineering Data Cloud "
    "Security Telecom Travel Textiles Materials Brewing Chemicals Logic Digital Marketing "
    "Ventures Holdings Group Trading Supply Instruments Devices Electronics Outdoor Furniture"
)

_JOB_TITLES = (
    "Marketing Manager", "Sales Manager", "CEO", "CTO", "CFO", "Office Manager", "Developer",
    "Software Engineer", "Product Manager", "Project Manager", "Account Executive",
    "Purchasing Manager", "HR Specialist", "Head of Marketing", "Marketing Specialist",
    "IT Administrator", "Operations Manager", "Consultant", "Business Analyst",
    "Customer Success Manager", "Designer", "Data Analyst", "Content Editor", "Owner",
    "Procurement Officer", "Chief Marketing Officer", "Sales Representative", "Assistant",
)
_ROLES = (("Decision maker", 2), ("Influencer", 3), ("Technical contact", 2),
          ("Billing contact", 1), ("Employee", 6))
_STATUSES = ((None, 25), ("Lead", 25), ("Prospect", 20), ("Customer", 18),
             ("Former customer", 5), ("Partner", 3), ("Unqualified", 4))

_SITES = (("CorporateSite", "Corporate site"), ("DancingGoat", "Dancing Goat"),
          ("OnlineStore", "Online store"))

_PAGES = (
    ("/Home", 30), ("/Products", 10), ("/Products/Coffee", 8), ("/Products/Brewers", 6),
    ("/Products/Grinders", 4), ("/Products/Accessories", 3), ("/Pricing", 6),
    ("/About-us", 4), ("/Contact-us", 4), ("/Blog", 6), ("/Blog/Brewing-guide", 3),
    ("/Blog/Origins-of-arabica", 2), ("/Blog/Coffee-processing-techniques", 2),
    ("/Blog/Where-does-coffee-come-from", 2), ("/Careers", 2), ("/Support", 3),
    ("/Support/FAQ", 3), ("/Events", 2), ("/Partners", 1), ("/Cafes", 3), ("/Store", 5),
    ("/Store/Checkout", 2), ("/Privacy-policy", 1),
)
_LANDING_PAGES = (("/Campaigns/Spring-sale", 4), ("/Campaigns/Black-Friday", 4),
                  ("/Landing/Free-trial", 5), ("/Landing/Webinar", 3),
                  ("/Landing/Coffee-subscription", 3), ("/Landing/Partner-program", 1))
_FORMS = {  # form code name: (page, weight)
    "ContactUs": ("/Contact-us", 30),
    "Newsletter": ("/Newsletter", 30),
    "DownloadWhitepaper": ("/Resources/Whitepapers", 25),
    "EventRegistration": ("/Events/Registration", 15),
}
_NEWSLETTERS = (("Monthly digest", 5), ("Product news", 3), ("Events and webinars", 2),
                ("Partner bulletin", 1))
_EMAIL_LINKS = ("/Products/Coffee", "/Campaigns/Spring-sale", "/Blog/Brewing-guide",
                "/Events", "/Landing/Free-trial", "/Store", "/Pricing")
_PRODUCTS = (("Colombia Carlos Imbachi", 14.9), ("Ethiopia Sidamo", 16.5),
             ("Espresso blend 1 kg", 29.0), ("AeroPress", 39.9), ("Hario V60 dripper", 24.0),
             ("Chemex 6-cup", 49.0), ("Burr grinder", 129.0), ("Espresso machine", 649.0),
             ("Milk frother", 79.0), ("Coffee subscription (3 months)", 89.0),
             ("Gift card", 50.0), ("Barista course", 199.0))
_FILES = ("Product-catalogue.pdf", "Price-list.pdf", "Brewing-guide.pdf",
          "Annual-report.pdf", "Whitepaper-coffee-supply-chain.pdf", "Case-study.pdf",
          "Brand-assets.zip", "Datasheet-grinder.pdf")
_SEARCHES = ("espresso", "decaf", "grinder", "price", "subscription", "arabica", "v60",
             "machine", "gift card", "shipping", "returns", "café near me", "barista course",
             "cold brew", "kávovar", "Kaffeemühle")
_SUBJECTS = ("Pricing question", "Support request", "Partnership", "Demo request",
             "Wholesale order", "Other")
_MESSAGES = (
    "Please send me a quote for 50 kg monthly.", "Can you call me back tomorrow?",
    "Do you ship to my country?", "I would like to become a reseller.",
    "My order has not arrived yet.", "Is the grinder compatible with 230 V?",
    "We are opening a new café and need equipment.", "Please remove me from your list.",
)
_WHITEPAPERS = ("The coffee supply chain", "Sustainable sourcing 2025", "Café economics",
                "Brewing at scale")
_EVENTS = ("Coffee Expo Prague", "Barista Championship", "Spring webinar",
           "Partner summit", "Roastery open day")
_TOPICS = ("Product news", "Events", "Brewing tips", "Offers")

# Activity types with their share (per mille) of all activities.
_TYPE_WEIGHTS = (
    ("pagevisit", 520), ("landingpage", 60), ("bizformsubmit", 35), ("newsletteropen", 140),
    ("newsletterclickthrough", 55), ("newslettersubscription", 30),
    ("newsletterunsubscription", 10), ("purchase", 35), ("userlogin", 65),
    ("filedownload", 30), ("internalsearch", 20),
)
assert tuple(t for t, _ in _TYPE_WEIGHTS) == ACTIVITY_TYPES

# Activities per contact: engaged contacts (a tenth of whom never did anything) and
# dormant ones, whose activities all lie more than a year back.
_ENGAGED_COUNTS = ((0, 10), (1, 12), (2, 12), (3, 11), (4, 10), (5, 8), (6, 7), (7, 6),
                   (8, 5), (10, 5), (12, 3.5), (15, 3), (20, 2.2), (30, 1.5), (45, 0.8),
                   (80, 0.4), (150, 0.15), (300, 0.05))
_DORMANT_COUNTS = ((0, 45), (1, 20), (2, 13), (3, 9), (4, 6), (6, 4), (10, 3))
_DORMANT_SHARE = 0.28
_MERGED_SHARE = 0.005
_EMPLOYEE_SHARE = 0.24  # of contacts linked to an account (about six per account)

_TEMPLATE_BITS = 16
_TIME_BITS = 14
_COUNT_BITS = 12


def _pool(rng: random.Random, weighted: Sequence[tuple[object, float]], bits: int) -> list:
    """``2**bits`` values drawn by weight: picking ``pool[getrandbits(bits)]`` is then the
    cheapest weighted choice Python has."""
    values = [v for v, _ in weighted]
    cum = list(itertools.accumulate(w for _, w in weighted))
    return rng.choices(values, cum_weights=cum, k=1 << bits)


def _ascii(text: str) -> str:
    """``Dvořák`` → ``dvorak``, ``O'Brien`` → ``obrien``: the local part of an e-mail."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch.isalnum())


@dataclass
class _Area:
    male: tuple[str, ...]
    female: tuple[str, ...]
    last_male: tuple[str, ...]
    last_female: tuple[str, ...]


def _areas() -> dict[str, _Area]:
    areas = {}
    for key, (male, female, last) in _NAMES.items():
        lasts = _split_names(last)
        areas[key] = _Area(_split_names(male), _split_names(female), lasts,
                           tuple(_feminine(name, key) for name in lasts))
    return areas


# --- bulk loading ------------------------------------------------------------------------


class _BulkLoader:
    """Insert plain tuples into a table as fast as the engine allows, inside the caller's
    transaction. :meth:`load` is the one entry point; engines differ only in how rows
    travel and in what they do around the load."""

    # The big tables, each with the column its rows arrive sorted by: an index leading with
    # that column only ever grows at its end and is cheap to keep; any other index costs
    # a random b-tree insert per row and is dropped, then rebuilt by one sort at the end.
    BULK_TABLES = ((Contact, "merged_into_id"), (AccountContact, "contact_id"),
                   (Activity, "contact_id"), (FormSubmission, "contact_id"),
                   (FormFieldValue, "submission_id"))

    def __init__(self, db: pw.Database) -> None:
        self.db = db
        self.dropped: list[str] = []

    def load(self, model: type[pw.Model], columns: Sequence[str], rows: list[tuple]) -> None:
        if rows:
            self._write(model._meta.table_name, columns, rows)

    def _write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        raise NotImplementedError

    @contextmanager
    def session(self) -> Iterator[None]:
        """Engine settings for the whole load (outside the transaction)."""
        yield

    def drop_indexes(self) -> None:
        """Drop the secondary indexes of the big tables (rebuilt by :meth:`restore`)."""
        for model, ordered_by in self.BULK_TABLES:
            for name, sql, first_column in self._indexes(model._meta.table_name):
                if first_column != ordered_by:
                    self.db.execute_sql(f'DROP INDEX "{name}"')
                    self.dropped.append(sql)

    def restore(self) -> None:
        for sql in self.dropped:
            self.db.execute_sql(sql)
        self.dropped.clear()

    def _indexes(self, table: str) -> list[tuple[str, str, str]]:
        """(name, CREATE statement, first column) of the table's secondary indexes."""
        raise NotImplementedError

    def analyze(self) -> None:
        """Fresh planner statistics for the loaded tables (after the commit)."""
        raise NotImplementedError


class _SqliteLoader(_BulkLoader):
    # Many rows per INSERT: binding one long VALUES list costs less than half of
    # executemany's per-row statement steps in Python's sqlite3.
    PARAMETERS_PER_STATEMENT = 3500

    def _write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        row_marks = "(" + ", ".join("?" * len(columns)) + ")"
        per = max(1, self.PARAMETERS_PER_STATEMENT // len(columns))
        head = f'INSERT INTO "{table}" ({names}) VALUES '
        full = head + ", ".join([row_marks] * per)
        cursor = self.db.cursor()
        flat = itertools.chain.from_iterable
        whole = len(rows) - len(rows) % per
        for start in range(0, whole, per):
            cursor.execute(full, list(flat(rows[start:start + per])))
        if whole < len(rows):
            rest = rows[whole:]
            cursor.execute(head + ", ".join([row_marks] * len(rest)), list(flat(rest)))

    def _indexes(self, table: str) -> list[tuple[str, str, str]]:
        return list(self.db.execute_sql(
            "SELECT m.name, m.sql, (SELECT i.name FROM pragma_index_info(m.name) AS i "
            "WHERE i.seqno = 0) FROM sqlite_master AS m WHERE m.type = 'index' "
            "AND m.tbl_name = ? AND m.sql IS NOT NULL ORDER BY m.name", (table,)))

    def analyze(self) -> None:
        limit = self.db.execute_sql("PRAGMA analysis_limit").fetchone()[0]
        self.db.execute_sql("PRAGMA analysis_limit = 1000")  # sampled: a second, not ten
        self.db.execute_sql("ANALYZE")
        self.db.execute_sql(f"PRAGMA analysis_limit = {int(limit)}")

    @contextmanager
    def session(self) -> Iterator[None]:
        """No fsync, no foreign-key lookups (the generator links rows by construction; the
        tests run ``PRAGMA foreign_key_check``) and a bigger page cache while loading."""
        pragmas = ("synchronous", "cache_size", "foreign_keys")
        saved = {p: self.db.execute_sql(f"PRAGMA {p}").fetchone()[0] for p in pragmas}
        self.db.execute_sql("PRAGMA synchronous = OFF")
        self.db.execute_sql("PRAGMA foreign_keys = OFF")
        # 200 MB: enough to keep the appended pages, and the index sorter runs faster with
        # spilled sorted runs than with one huge in-memory sort.
        self.db.execute_sql("PRAGMA cache_size = -200000")
        try:
            yield
        finally:
            for pragma, value in saved.items():
                self.db.execute_sql(f"PRAGMA {pragma} = {int(value)}")
            if not self.db.in_transaction():
                self.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")


class _PostgresLoader(_BulkLoader):
    def _write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)  # None → NULL
        buffer.seek(0)
        names = ", ".join(f'"{c}"' for c in columns)
        self.db.cursor().copy_expert(
            f'COPY "{table}" ({names}) FROM STDIN WITH (FORMAT csv)', buffer)

    def _indexes(self, table: str) -> list[tuple[str, str, str]]:
        return list(self.db.execute_sql(
            "SELECT i.relname, pg_get_indexdef(i.oid), a.attname FROM pg_index AS x "
            "JOIN pg_class AS i ON i.oid = x.indexrelid "
            "JOIN pg_class AS t ON t.oid = x.indrelid "
            "JOIN pg_attribute AS a ON a.attrelid = t.oid AND a.attnum = x.indkey[0] "
            "WHERE t.relname = %s AND t.relnamespace = to_regnamespace(current_schema()) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.oid) "
            "ORDER BY i.relname", (table,)))

    def analyze(self) -> None:
        for model, _ in self.BULK_TABLES:
            self.db.execute_sql(f'ANALYZE "{model._meta.table_name}"')

    def reset_sequences(self, models: Sequence[type[pw.Model]]) -> None:
        for model in models:
            table = model._meta.table_name
            self.db.execute_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{table}"')


def _loader(db: pw.Database) -> _BulkLoader:
    if isinstance(db, pw.PostgresqlDatabase):
        return _PostgresLoader(db)
    return _SqliteLoader(db)


# --- generation --------------------------------------------------------------------------


class _Generator:
    """Draws every row from one seeded generator, in a fixed order."""

    def __init__(self, contacts: int, seed: int, now: dt.datetime) -> None:
        self.n = contacts
        self.rng = random.Random(f"contact-groups demo {seed}")
        rng = self.rng
        # Day d (1..HISTORY_DAYS) back from now, as "YYYY-MM-DD " ready for a time of day.
        self.day_prefix = [""] + [
            (now - dt.timedelta(days=d)).strftime("%Y-%m-%d ")
            for d in range(1, HISTORY_DAYS + 1)]
        self.month_label = [""] + [
            (now - dt.timedelta(days=d)).strftime("%B %Y") for d in range(1, HISTORY_DAYS + 1)]
        hours = [(h, w) for h, w in zip(range(24), (
            1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 4, 6, 7, 7, 6, 6, 7, 7, 6, 5, 4, 4, 4, 3, 2, 1.5),
            strict=True)]
        self.times = [f"{h:02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
                      for h in _pool(rng, hours, _TIME_BITS)]
        today = now.date()
        self.birthdays = [(today - dt.timedelta(days=d)).isoformat()
                          for d in range(18 * 365 + 5, 78 * 365)]
        self.countries = _pool(rng, [(c, c.weight) for c in _COUNTRIES], 12)
        self.areas = _areas()
        self.ascii_of = {name: _ascii(name) for area in self.areas.values()
                         for name in (*area.male, *area.female, *area.last_male,
                                      *area.last_female)}
        self.free_mail = _pool(rng, _FREE_MAIL, 10)
        self.statuses = _pool(rng, _STATUSES, 10)
        self.roles = _pool(rng, _ROLES, 8)
        self.engaged_counts = _pool(rng, _ENGAGED_COUNTS, _COUNT_BITS)
        self.dormant_counts = _pool(rng, _DORMANT_COUNTS, _COUNT_BITS)
        self.templates = self._activity_templates()

    # Activity templates: (kind, (type, site, item, url, value)); kind says what the row
    # needs besides its contact and time: 0 nothing, 1 the e-mail's month in its item,
    # 2 a form submission, 3 an earlier subscription to the same newsletter.
    def _activity_templates(self) -> list[tuple[int, tuple]]:
        rng = self.rng
        types = _pool(rng, _TYPE_WEIGHTS, _TEMPLATE_BITS)
        site_pool = _pool(rng, [(1, 60), (2, 30), (3, 10)], 8)
        pages = _pool(rng, _PAGES, 10)
        landing = _pool(rng, _LANDING_PAGES, 8)
        newsletters = _pool(rng, _NEWSLETTERS, 8)
        forms = _pool(rng, [(f, w) for f, (_, w) in _FORMS.items()], 8)
        templates: list[tuple[int, tuple]] = []
        for kind in types:
            site = site_pool[rng.getrandbits(8)]
            item = url = value = None
            code = 0
            if kind == "pagevisit":
                url = pages[rng.getrandbits(10)]
            elif kind == "landingpage":
                url = landing[rng.getrandbits(8)]
            elif kind == "bizformsubmit":
                item = forms[rng.getrandbits(8)]
                url = _FORMS[item][0]
                code = 2
            elif kind in ("newsletteropen", "newsletterclickthrough"):
                item = newsletters[rng.getrandbits(8)] + " ("
                if kind == "newsletterclickthrough":
                    url = rng.choice(_EMAIL_LINKS)
                code = 1
            elif kind == "newslettersubscription":
                item = newsletters[rng.getrandbits(8)]
            elif kind == "newsletterunsubscription":
                item = newsletters[rng.getrandbits(8)]
                code = 3
            elif kind == "purchase":
                site = 3
                product, price = rng.choice(_PRODUCTS)
                item = product
                value = round(price * rng.choice((1, 1, 1, 1, 2, 2, 3)), 2)
            elif kind == "filedownload":
                item = rng.choice(_FILES)
                url = "/Campaign-assets/" + item
            elif kind == "internalsearch":
                item = rng.choice(_SEARCHES)
                url = "/Search"
            templates.append((code, (kind, site, item, url, value)))
        return templates

    def accounts(self) -> list[tuple]:
        """(id, name, city, country_code, created, domain, country) for about n/25 accounts."""
        rng = self.rng
        count = max(1, round(self.n / 25)) if self.n >= 2 else 0
        seen: set[str] = set()
        rows = []
        for account_id in range(1, count + 1):
            country = self.countries[rng.getrandbits(12)]
            base = f"{rng.choice(_COMPANY_WORDS_A)} {rng.choice(_COMPANY_WORDS_B)}"
            city = rng.choice(country.cities)
            if base in seen:
                base = f"{base} {city}"
            suffix = 2
            unique = base
            while unique in seen:
                unique = f"{base} {suffix}"
                suffix += 1
            seen.add(unique)
            name = f"{unique} {rng.choice(country.legal_forms)}"
            domain = _ascii(unique) + country.tld
            created = self.day_prefix[rng.randint(DORMANT_DAYS, HISTORY_DAYS)] + \
                self.times[rng.getrandbits(_TIME_BITS)]
            rows.append((account_id, name, city, country.code, created, domain, country))
        return rows

    def employment(self, accounts: list[tuple]) -> array:
        """The account (1-based; 0 for none) each contact id works for: every account gets
        at least two contacts, a few get many, and no contact works for two."""
        rng = self.rng
        employer = array("i", bytes(4 * (self.n + 1)))
        if not accounts:
            return employer
        wanted = min(self.n - self.n // 10, max(len(accounts) * 2,
                                                round(self.n * _EMPLOYEE_SHARE)))
        chosen = rng.sample(range(1, self.n + 1), wanted)
        # Split the chosen contacts among accounts: 2 each, the rest by a skewed share.
        sizes = [2] * len(accounts)
        extra = wanted - 2 * len(accounts)
        weights = list(itertools.accumulate(min(12.0, rng.paretovariate(2.0)) for _ in accounts))
        for pick in rng.choices(range(len(accounts)), cum_weights=weights, k=extra):
            sizes[pick] += 1
        position = 0
        for account_index, size in enumerate(sizes):
            for contact_id in chosen[position:position + size]:
                employer[contact_id] = account_index + 1
            position += size
        return employer


CONTACT_COLUMNS = ("id", "first_name", "last_name", "email", "company", "job_title", "phone",
                   "city", "country_code", "country_name", "gender", "birthday", "status",
                   "score", "created", "modified", "merged_into_id")
ACTIVITY_COLUMNS = ("contact_id", "at", "type", "site_id", "item", "url", "value")
SUBMISSION_COLUMNS = ("id", "form", "contact_id", "site_id", "at")
FIELD_COLUMNS = ("submission_id", "field", "value")
LINK_COLUMNS = ("account_id", "contact_id", "role")
ACCOUNT_COLUMNS = ("id", "name", "city", "country_code", "created")


def generate_demo(contacts: int, seed: int, progress: Progress | None = None, *,
                  now: dt.datetime | None = None) -> DemoSummary:
    """Fill an empty database with ``contacts`` demo contacts and everything around them.

    ``now`` anchors every timestamp (default: today at 00:00 UTC); all else follows from
    ``seed``. Raises :class:`StoreError` when the database is not empty. ``progress`` is
    called with a phase name and the fraction of that phase done.
    """
    started = time.perf_counter()
    report = progress or (lambda phase, fraction: None)
    if isinstance(contacts, bool) or not isinstance(contacts, int) or contacts < 1:
        raise StoreError("the number of demo contacts must be a whole number of at least 1")
    if contacts > MAX_CONTACTS:
        raise StoreError(f"at most {MAX_CONTACTS:,} demo contacts can be generated")
    if now is None:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    now = now.replace(hour=0, minute=0, second=0, microsecond=0)
    db = database_proxy.obj
    if db is None:
        raise StoreError("no database is open")
    _refuse_non_empty()
    report("Preparing", 0.0)
    loader = _loader(db)
    lock = ["IMMEDIATE"] if isinstance(db, pw.SqliteDatabase) else []
    phase = "Generating contacts and activities"
    counts = {"accounts": 0, "activities": 0, "submissions": 0}
    vip_ids: list[int] = []
    key_account_ids: list[int] = []
    with _messages(contacts, seed, now) as messages, loader.session(), db.atomic(*lock):
        if isinstance(db, pw.PostgresqlDatabase):
            db.execute_sql('LOCK TABLE "contact" IN EXCLUSIVE MODE')
        _refuse_non_empty()  # again, now that no one else can write
        loader.drop_indexes()
        loader.load(Site, ("id", "code_name", "display_name"),
                    [(i, code, name) for i, (code, name) in enumerate(_SITES, 1)])
        for message in messages:
            if message[0] == "accounts":
                loader.load(Account, ACCOUNT_COLUMNS, message[1])
                counts["accounts"] = len(message[1])
            elif message[0] == "batch":
                _, (people, links, activities, submissions, fields), done = message
                loader.load(Contact, CONTACT_COLUMNS, people)
                loader.load(AccountContact, LINK_COLUMNS, links)
                loader.load(Activity, ACTIVITY_COLUMNS, activities)
                loader.load(FormSubmission, SUBMISSION_COLUMNS, submissions)
                loader.load(FormFieldValue, FIELD_COLUMNS, fields)
                counts["activities"] += len(activities)
                counts["submissions"] += len(submissions)
                report(phase, done)
            else:  # "groups": the last message
                _, vip_ids, key_account_ids = message
        report("Building indexes", 0.0)
        loader.restore()
        if isinstance(loader, _PostgresLoader):
            loader.reset_sequences((Site, Account, Contact, Activity, FormSubmission,
                                    FormFieldValue, AccountContact))
        report("Creating sample groups", 0.0)
        groups = _sample_groups(vip_ids, key_account_ids)
        report("Saving", 0.0)
    report("Updating statistics", 0.0)
    loader.analyze()
    report("Done", 1.0)
    return DemoSummary(contacts=contacts, accounts=counts["accounts"],
                       activities=counts["activities"], form_submissions=counts["submissions"],
                       groups=groups, seconds=time.perf_counter() - started)


def _refuse_non_empty() -> None:
    for model, what in ((Contact, "contacts"), (Account, "accounts"), (Activity, "activities"),
                        (Site, "sites"), (ContactGroup, "contact groups")):
        if model.select(pw.SQL("1")).exists():
            raise StoreError(f"the database already has {what}; "
                             "demo data goes into an empty database")


# --- the stream of rows, generated here or in a second process -----------------------------

# From this many contacts on, and when a core is idle, a second process generates the rows
# while this one loads them: the load then takes about as long as the inserts alone. On a
# busy machine the second process would only add the cost of passing the rows across.
PROCESS_THRESHOLD = 50_000


def _spare_core() -> bool:
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    return cores >= 2 and load <= cores - 1


def _stream(contacts: int, seed: int, now: dt.datetime) -> Iterator[tuple]:
    """Every row of the demo in load order, as messages of plain tuples and lists:
    ``("accounts", rows)``, then per batch of contacts ``("batch", (contacts, account
    links, activities, form submissions, form field values), fraction done)``, and last
    ``("groups", VIP contact ids, key account ids)``."""
    gen = _Generator(contacts, seed, now)
    accounts = gen.accounts()
    yield ("accounts", [a[:5] for a in accounts])
    employer = gen.employment(accounts)
    state = {"submission_id": 0}
    vip: list[int] = []
    for start in range(1, contacts + 1, BATCH_CONTACTS):
        stop = min(contacts + 1, start + BATCH_CONTACTS)
        batch = _contact_batch(gen, start, stop, accounts, employer, state, vip)
        yield ("batch", batch, (stop - 1) / contacts)
    rng = gen.rng
    vip_ids = sorted(rng.sample(vip, min(len(vip), max(1, min(400, contacts // 5)))))
    key_ids = sorted(rng.sample(range(1, len(accounts) + 1), min(20, len(accounts))))
    yield ("groups", vip_ids, key_ids)


def _produce() -> None:
    """The second process: write the stream to stdout; a failure becomes a message.

    Started by :func:`_messages` as ``python -c`` (not ``multiprocessing``, whose spawn
    would re-run the caller's main script) with ``contacts seed now`` as arguments.
    Messages travel as ``marshal`` frames: plain tuples of str, int and float, between two
    copies of the same interpreter, at several times the speed of pickle.
    """
    out = sys.stdout.buffer
    try:
        contacts, seed = int(sys.argv[1]), int(sys.argv[2])
        now = dt.datetime.fromisoformat(sys.argv[3])
        for message in _stream(contacts, seed, now):
            _send(out, message)
    except Exception as error:
        _send(out, ("error", f"{type(error).__name__}: {error}"))
    out.flush()


_FRAME = struct.Struct("<Q")


def _send(out: IO[bytes], message: tuple) -> None:
    data = marshal.dumps(message)
    out.write(_FRAME.pack(len(data)))
    out.write(data)


def _next_message(source: IO[bytes]) -> tuple | None:
    """The next frame, or ``None`` at the end of the stream."""
    header = source.read(_FRAME.size)
    if len(header) < _FRAME.size:
        return None
    size = _FRAME.unpack(header)[0]
    data = source.read(size)
    return marshal.loads(data) if len(data) == size else None


@contextmanager
def _messages(contacts: int, seed: int, now: dt.datetime) -> Iterator[Iterator[tuple]]:
    """The stream, from a second process for big demos (the same rows either way)."""
    if contacts < PROCESS_THRESHOLD or not _spare_core():
        yield _stream(contacts, seed, now)
        return
    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, env.get("PYTHONPATH"))))
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", "from store.demo import _produce; _produce()",
                 str(contacts), str(seed), now.isoformat()],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors, env=env)
        except OSError:  # cannot start a process here: generate in this one
            yield _stream(contacts, seed, now)
            return
        try:
            yield _receive(process, errors)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            assert process.stdout is not None
            process.stdout.close()


def _receive(process: subprocess.Popen, errors: IO[bytes]) -> Iterator[tuple]:
    assert process.stdout is not None
    while True:
        message = _next_message(process.stdout)
        if message is None:
            process.wait()
            errors.seek(0)
            lines = errors.read().decode(errors="replace").strip().splitlines()
            reason = f": {lines[-1]}" if lines else ""
            raise StoreError(f"the demo data generator stopped unexpectedly (exit code "
                             f"{process.returncode}){reason}; nothing was changed") from None
        if message[0] == "error":
            raise StoreError(f"generating demo data failed: {message[1]}; nothing was changed")
        yield message
        if message[0] == "groups":
            return


def _contact_batch(gen: _Generator, start: int, stop: int, accounts: list[tuple],
                   employer: array, state: dict, vip: list[int]) -> tuple[list[tuple], ...]:
    """Contacts ``start``..``stop - 1`` with their account links, activities and forms."""
    rng = gen.rng
    r = rng.random
    bits = rng.getrandbits
    day_prefix, times, month_label = gen.day_prefix, gen.times, gen.month_label
    templates, countries, areas = gen.templates, gen.countries, gen.areas
    engaged_counts, dormant_counts = gen.engaged_counts, gen.dormant_counts
    free_mail, statuses, roles = gen.free_mail, gen.statuses, gen.roles
    birthdays = gen.birthdays
    ascii_of = gen.ascii_of
    n_birthdays = len(birthdays)
    contacts: list[tuple] = []
    links: list[tuple] = []
    activities: list[tuple] = []
    submissions: list[tuple] = []
    fields: list[tuple] = []
    add_activity = activities.append
    submission_id = state["submission_id"]
    for cid in range(start, stop):
        account_index = employer[cid]
        account = accounts[account_index - 1] if account_index else None
        # Merged duplicates: a copy of an earlier live contact of this batch.
        if account is None and contacts and r() < _MERGED_SHARE / (1 - _EMPLOYEE_SHARE):
            parent = contacts[int(r() * len(contacts))]
            if parent[16] is None:
                first, last = parent[1], parent[2]
                email = f"{ascii_of[first]}{bits(10)}@{free_mail[bits(10)]}"
                created = day_prefix[HISTORY_DAYS - int(r() * DORMANT_DAYS)] + times[bits(14)]
                contacts.append((cid, first, last, email, None, None, None, parent[7],
                                 parent[8], parent[9], parent[10], None, None, 0, created,
                                 created, parent[0]))
                continue
        country = countries[bits(12)] if (account is not None or r() < 0.94) else None
        if account is not None and r() < 0.8:
            country = account[6]
        area = areas[country.area if country else "en"]
        g = bits(4)
        if g < 7:
            gender, first, last = 1, area.male[int(r() * len(area.male))], \
                area.last_male[int(r() * len(area.last_male))]
        elif g < 14:
            i = int(r() * len(area.last_female))
            gender, first, last = 2, area.female[int(r() * len(area.female))], \
                area.last_female[i]
        else:
            gender, first, last = 0, area.male[int(r() * len(area.male))] if r() < 0.5 else \
                area.female[int(r() * len(area.female))], area.last_male[
                    int(r() * len(area.last_male))]
        # E-mail: at the company for most employees, else a free or national provider.
        if account is not None and r() < 0.75:
            domain = account[5]
            local = f"{ascii_of[first]}.{ascii_of[last]}" if r() < 0.7 else \
                f"{ascii_of[first][:1]}{ascii_of[last]}"
        else:
            if country is not None and country.mail_domains and r() < 0.3:
                domain = country.mail_domains[int(r() * len(country.mail_domains))]
            else:
                domain = free_mail[bits(10)]
            style = bits(2)
            if style == 0:
                local = f"{ascii_of[first]}.{ascii_of[last]}"
            elif style == 1:
                local = f"{ascii_of[first]}{ascii_of[last]}{int(r() * 100)}"
            elif style == 2:
                local = f"{ascii_of[first][:1]}{ascii_of[last]}{1950 + int(r() * 56)}"
            else:
                local = f"{ascii_of[last]}.{ascii_of[first]}{int(r() * 1000)}"
        email = f"{local}@{domain}" if r() < 0.97 else None
        if account is not None:
            company, job = account[1], _JOB_TITLES[int(r() * len(_JOB_TITLES))]
            city = account[2] if r() < 0.6 else (
                country.cities[int(r() * len(country.cities))] if country else None)
            links.append((account_index, cid, roles[bits(8)]))
        else:
            company = job = None
            city = country.cities[int(r() * len(country.cities))] if (
                country and r() < 0.9) else None
        if country is not None and r() < 0.6:
            phone = country.phone_format % tuple(f"{bits(53):016d}")
        else:
            phone = None
        birthday = birthdays[int(r() * n_birthdays)] if r() < 0.7 else None
        status = statuses[bits(10)]
        # Activity profile: dormant contacts did nothing in the last year.
        dormant = r() < _DORMANT_SHARE
        if dormant:
            created_day = DORMANT_DAYS + 1 + int(r() * (HISTORY_DAYS - DORMANT_DAYS))
            n = dormant_counts[bits(_COUNT_BITS)]
            last_day = DORMANT_DAYS + 1 + int(r() * (created_day - DORMANT_DAYS))
        else:
            created_day = 1 + int(r() * HISTORY_DAYS)
            n = engaged_counts[bits(_COUNT_BITS)]
            last_day = 1 + int(r() * min(created_day, DORMANT_DAYS - 1))
        score = n * (5 + bits(4)) if n else 0
        if n == 0:
            last_day = created_day
        created = day_prefix[created_day] + times[bits(14)]
        modified = day_prefix[last_day + int(r() * (created_day + 1 - last_day)) if r() < 0.3 else
                              last_day] + times[bits(14)]
        if modified < created:
            modified = created
        contacts.append((cid, first, last, email, company, job, phone, city,
                         country.code if country else None, country.name if country else None,
                         gender, birthday, status, score, created, modified, None))
        if status == "Customer" and n >= 3:
            vip.append(cid)
        # Activities: the most recent on last_day, the others older, clustered in visits.
        span = created_day - last_day
        day = last_day
        for k in range(n):
            if k and r() < 0.5:
                x = r()
                day = last_day + int(span * x * x)
            code, tail = templates[bits(16)]
            at = day_prefix[day] + times[bits(14)]
            if code == 0:
                add_activity((cid, at) + tail)  # noqa: RUF005 (faster)
            elif code == 1:
                add_activity((cid, at, tail[0], tail[1], tail[2] + month_label[day] + ")",
                              tail[3], None))
            elif code == 2:
                add_activity((cid, at) + tail)  # noqa: RUF005 (faster)
                submission_id += 1
                submissions.append((submission_id, tail[2], cid, tail[1], at))
                fields.extend(_form_fields(rng, submission_id, tail[2], first, last, email,
                                           company, job))
            else:
                earlier = day + int(r() * (created_day - day + 1))
                add_activity((cid, day_prefix[earlier] + times[bits(14)],
                              "newslettersubscription", tail[1], tail[2], None, None))
                add_activity((cid, at) + tail)  # noqa: RUF005 (faster)
    state["submission_id"] = submission_id
    return contacts, links, activities, submissions, fields


def _form_fields(rng: random.Random, submission_id: int, form: str, first: str, last: str,
                 email: str | None, company: str | None, job: str | None) -> list[tuple]:
    values: list[tuple[str, str | None]]
    if form == "ContactUs":
        values = [("FirstName", first), ("LastName", last), ("Email", email),
                  ("Subject", rng.choice(_SUBJECTS)), ("Message", rng.choice(_MESSAGES))]
    elif form == "Newsletter":
        values = [("Email", email), ("FirstName", first), ("Topics", rng.choice(_TOPICS)),
                  ("Consent", "true")]
    elif form == "DownloadWhitepaper":
        values = [("FirstName", first), ("LastName", last), ("Email", email),
                  ("Company", company), ("JobTitle", job),
                  ("Whitepaper", rng.choice(_WHITEPAPERS))]
    else:
        values = [("FirstName", first), ("LastName", last), ("Email", email),
                  ("Event", rng.choice(_EVENTS)), ("Attendees", str(1 + rng.getrandbits(1)))]
    return [(submission_id, name, value) for name, value in values if value is not None]


def _sample_groups(vip_ids: list[int], key_account_ids: list[int]) -> int:
    """The three sample groups, filled through the membership services."""
    vip = group_service.create_group(
        "VIP customers", description="Our most engaged customers, picked by hand.")
    if vip_ids:
        membership.add_contacts(vip, Selection.of_ids(vip_ids))
    if edition() != "ems":
        return 1  # accounts and conditions need the EMS edition
    key = group_service.create_group(
        "Key accounts", description="Every contact of our most important accounts.")
    if key_account_ids:
        account_service.add_accounts(key, key_account_ids)
    group_service.create_group(
        "Inactive contacts", code_name="InactiveContacts",
        description="Contacts with no activity in the last 365 days.",
        condition=INACTIVE_CONDITION)
    return 3
