"""The countries demo contacts and accounts come from, weighted by how many do."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Country:
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
       tld: str, forms: str) -> Country:
    return Country(code, name, weight, area, tuple(cities.split(";")), phone,
                    tuple(domains.split()), tld, tuple(forms.split(";")))


COUNTRIES: tuple[Country, ...] = (
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
