"""People's names by language area, with the Czech/Slovak and Polish female surnames."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

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



def ascii_fold(text: str) -> str:
    """``Dvořák`` → ``dvorak``, ``O'Brien`` → ``obrien``: the local part of an e-mail."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch.isalnum())


@dataclass
class Area:
    male: tuple[str, ...]
    female: tuple[str, ...]
    last_male: tuple[str, ...]
    last_female: tuple[str, ...]


def language_areas() -> dict[str, Area]:
    areas = {}
    for key, (male, female, last) in _NAMES.items():
        lasts = _split_names(last)
        areas[key] = Area(_split_names(male), _split_names(female), lasts,
                           tuple(_feminine(name, key) for name in lasts))
    return areas


