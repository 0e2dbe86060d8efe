"""Rules XML: Kentico's layout, and refusal of hostile or broken XML with ConditionError."""

import pytest

from conditions.errors import ConditionError
from conditions.rules import Group, Op, RuleInstance, to_text
from conditions.rulesxml import MAX_DEPTH, MAX_RULES_XML_BYTES, from_xml, to_xml

ACTIVE = RuleInstance("CMSContactHasLoggedInInTheLastXDays", {"_perfectum": "", "days": "7"})
MALE = RuleInstance("CMSContactIsMale", {"_is": ""})


def p(name: str, value: str, text: str = "") -> str:
    """A parameter element the way Kentico's designer writes it."""
    return (
        f'<p n="{name}"><t>{text or value}</t><v>{value}</v><r>0</r><d>select</d>'
        "<vt>text</vt><tv>0</tv></p>"
    )


def r(pos: int, par: str, op: str, name: str = "", *params: str) -> str:
    if not name:
        return f'<r pos="{pos}" par="{par}" op="{op}" />'
    return f'<r pos="{pos}" par="{par}" op="{op}" n="{name}" >{"".join(params)}</r>'


def rules(*items: str) -> str:
    return "<rules>" + "".join(items) + "</rules>"


LOGGED_IN = ("CMSContactHasLoggedInInTheLastXDays", p("_perfectum", "!", "has not"), p("days", "7"))
ACTIVITIES = (
    "CMSContactHasDoneFollowingActivitiesInTheLastXDays",
    p("activities", "pagevisit", "Page visit"),
    p("days", "50"),
    p("_any", "true", "all"),
    p("_perfectum", "", "has"),
)


def test_reads_a_kentico_designer_export():
    xml = rules(
        r(0, "", "or", *LOGGED_IN),
        r(1, "", "or", *ACTIVITIES),
        r(2, "", "and"),
        r(0, "2", "or", "CMSContactIsMale", p("_is", "!", "is not")),
        r(
            1,
            "2",
            "or",
            "CMSContactIsFromCountry",
            p("countries", "CzechRepublic", "Czechia"),
            p("_is", "", "is"),
        ),
    )
    assert to_text(from_xml(xml)) == (
        "Contact has not logged in in the last 7 day(s) or Contact has done all of the following "
        "activities in the last 50 day(s): Page visit and (Contact is not male or Contact is from "
        "any of the following countries: Czechia)"
    )


def test_layout_matches_kentico():
    xml = to_xml(Group.of(ACTIVE, (Op.OR, Group.of(MALE, (Op.AND, ACTIVE)))))
    assert xml.startswith(
        '<rules><r pos="0" par="" op="or" '
        'n="CMSContactHasLoggedInInTheLastXDays" >'
        '<p n="_perfectum"><t>has</t><v></v><r>0</r><d>select operation</d>'
        "<vt>text</vt><tv>0</tv></p>"
        '<p n="days"><t>7</t><v>7</v><r>1</r><d>enter days</d>'
        "<vt>integer</vt><tv>1</tv></p></r>"
        '<r pos="1" par="" op="or" />'
        '<r pos="0" par="1" op="and" n="CMSContactIsMale" >'
    )
    assert '<r pos="1" par="1" op="and" n="CMSContactHasLoggedInInTheLastXDays" >' in xml


def test_texts_differing_from_the_value_survive_and_placeholders_do_not():
    tree = from_xml(rules(r(0, "", "and", *ACTIVITIES)))
    assert tree.children[0].texts == {"activities": "Page visit"}
    unset = from_xml(
        rules(
            r(
                0,
                "",
                "and",
                "CMSContactIsFromCountry",
                p("countries", "DE", "#select countries"),
                p("_is", ""),
            )
        )
    )
    assert unset.children[0].texts == {}
    assert to_text(unset) == "Contact is from any of the following countries: DE"


def test_item_order_and_position_gaps_do_not_matter():
    xml = rules(
        r(7, "3", "or", "CMSContactIsMale", p("_is", "")),
        r(3, "", "and"),
        r(2, "3", "and", *LOGGED_IN),
        r(0, "", "and", *LOGGED_IN),
    )
    tree = from_xml(xml)
    assert to_text(tree) == (
        "Contact has not logged in in the last 7 day(s) and "
        "(Contact has not logged in in the last 7 day(s) or Contact is male)"
    )


def test_carriage_returns_and_markup_in_values_round_trip():
    tree = Group(
        (
            RuleInstance(
                "CMSContactHasSubmittedSpecifiedFormInLastXDays",
                {"_perfectum": "", "item": 'a\r\nb <c> & "d" ]]> \t', "days": "1"},
            ),
        )
    )
    assert from_xml(to_xml(tree)) == tree


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rules [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rules><r pos="0" par="" op="and" n="CMSContactBelongsToAccount"><p n="_is"><v></v></p>
<p n="account"><v>&lol3;</v></p></r></rules>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rules [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rules><r pos="0" par="" op="and" n="CMSContactBelongsToAccount"><p n="_is"><v></v></p>
<p n="account"><v>&secret;</v></p></r></rules>"""

EXTERNAL_DTD = '<!DOCTYPE rules SYSTEM "http://example.invalid/rules.dtd"><rules/>'


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_dtds_and_entities_are_refused(xml):
    with pytest.raises(ConditionError, match="DTD"):
        from_xml(xml)


def test_oversize_xml_is_refused_before_parsing():
    huge = rules(r(0, "", "and", "CMSContactIsMale", p("_is", ""))) + " " * MAX_RULES_XML_BYTES
    with pytest.raises(ConditionError, match="larger than 256 kB"):
        from_xml(huge)
    wide = "é" * (MAX_RULES_XML_BYTES // 2 + 1)  # under the limit in characters, over in bytes
    with pytest.raises(ConditionError, match="larger than"):
        from_xml(f"<rules>{wide}</rules>")


def test_oversize_trees_are_not_written():
    form = RuleInstance("CMSContactHasSubmittedSpecifiedFormInLastXDays",
                        {"_perfectum": "", "item": "x" * 1000, "days": "1"})
    many = Group(tuple([form] * 300), tuple([Op.OR] * 299))
    with pytest.raises(ConditionError, match="too large"):
        to_xml(many)


def test_nesting_is_bounded_both_ways():
    tree: Group = Group((MALE,))
    for _ in range(MAX_DEPTH):
        tree = Group((tree,))
    with pytest.raises(ConditionError, match="nested deeper"):
        to_xml(tree)
    deep_par = ".".join(["0"] * MAX_DEPTH)
    with pytest.raises(ConditionError, match="nested deeper"):
        from_xml(rules(r(0, deep_par, "and", "CMSContactIsMale", p("_is", ""))))


MALE_XML = r(0, "", "and", "CMSContactIsMale", p("_is", ""))


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("", "malformed"),
        ("<rules><r pos='0'>", "malformed"),
        ("not xml at all", "malformed"),
        ("<rules>\ud800</rules>", "not valid text"),
        ("<condition/>", "must start with <rules>"),
        ("<rules></rules>", "holds no rules"),
        ("<rules>text" + MALE_XML + "</rules>", "unexpected text"),
        (rules(MALE_XML, "<x/>"), "unexpected <x>"),
        (rules(r(0, "", "and", "NoSuchRule")), "item 0: Unknown rule 'NoSuchRule'"),
        (rules(r(0, "", "and", "CMSContactIsMale")), "missing parameter"),
        (rules(r(0, "", "and", "CMSContactIsMale", p("_is", ""), p("_is", "!"))), "given twice"),
        (
            rules(r(0, "", "and", "CMSContactIsMale", p("_is", ""), p("who", "x"))),
            "no parameter 'who'",
        ),
        (rules(r(0, "", "and", "CMSContactIsMale", '<p n="_is"><t>is</t></p>')), "no value"),
        (rules(r(0, "", "and", "CMSContactIsMale", '<p n="_is"><v></v><v>!</v></p>')), "two <v>"),
        (
            rules(r(0, "", "and", "CMSContactIsMale", '<p n="_is"><v><b/></v></p>')),
            "unexpected element",
        ),
        (rules(r(0, "", "and", "CMSContactIsMale", '<p n="_is"><v/><x/></p>')), "unexpected <x>"),
        (rules(r(0, "", "and", "CMSContactIsMale", p("_is", "maybe"))), "must be one of"),
        (
            rules(r(0, "", "and", *LOGGED_IN[:2], p("days", "1); true || (1"))),
            "item 0: .*whole number",
        ),
        (rules(MALE_XML.replace('pos="0"', 'pos="x"')), "invalid position"),
        (rules(MALE_XML.replace('pos="0"', 'pos="-1"')), "invalid position"),
        (rules(MALE_XML.replace('pos="0" ', "")), "invalid position"),
        (rules(MALE_XML.replace('par=""', 'par="0..1"')), "invalid parent path"),
        (rules(MALE_XML.replace('par=""', 'par="4"')), "missing bracket group '4'"),
        (
            rules(MALE_XML, r(0, "0", "and", "CMSContactIsMale", p("_is", ""))),
            "inside rule 0, which is not a bracket group",
        ),
        (rules(MALE_XML, MALE_XML), "two items at position 0"),
        (rules(MALE_XML, r(1, "", "and")), "bracket group 1 holds no rules"),
        (rules('<r pos="0" par="" op="and">' + p("_is", "") + "</r>"), "cannot have parameters"),
        (rules(MALE_XML.replace('op="and"', 'op="xor"')), "operator 'xor'"),
        (rules(MALE_XML.replace('op="and"', 'op="and" style="x"')), "unknown attribute"),
    ],
)
def test_broken_xml_is_a_condition_error(xml, message):
    with pytest.raises(ConditionError, match=message):
        from_xml(xml)


def test_first_operator_is_ignored_and_missing_operator_means_and():
    xml = rules(
        MALE_XML.replace('op="and"', 'op="or"'), r(1, "", "", *LOGGED_IN).replace(' op=""', "")
    )
    assert from_xml(xml) == Group(
        (MALE, from_xml(rules(r(0, "", "and", *LOGGED_IN))).children[0]), (Op.AND,)
    )
