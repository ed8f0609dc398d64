"""The TNT Desktop extension of CDISC ODM 1.3.2: queries (issue 6) inside SubjectData.

ODM 1.3.2 leaves empty element groups (`SubjectDataElementExtension`, …) in its foundation
schema for vendor extensions. The export puts one `tnt:Query` per query, with its steps as
`tnt:QueryStep`, at the end of each SubjectData:

    <tnt:Query xmlns:tnt="http://fjmuuh.example/tnt-sts/odm-extension" QueryID="3"
               StudyEventOID="SE.SCR" FormOID="F.DM" ItemOID="IT.DM.WEIGHT" Status="OPEN"
               Origin="MANUAL" RaisedBy="USR.002" RaisedRole="monitor"
               DateTimeStamp="2025-02-03T10:11:12Z">
      <tnt:QueryStep Kind="RAISE" UserOID="USR.002" Role="monitor"
                     DateTimeStamp="2025-02-03T10:11:12Z">Weight?</tnt:QueryStep>
    </tnt:Query>

UserOIDs are those of AdminData (login names only in the site archive, REQ-PI-05).

The site's confirmations of soft edit-check findings (services.confirmations) follow, one
`tnt:Confirmation` each, its text the site's reason:

    <tnt:Confirmation StudyEventOID="SE.C1" FormOID="F.CT" CheckID="S-CT-07"
                      FindingKey="S-CT-07|SE.C1#1|CT.IFOADM.EXDOSE|2" ItemOID="IT.CT.EXDOSE"
                      ItemGroupRepeatKey="2" UserOID="USR.001" Role="coordinator"
                      DateTimeStamp="2025-02-03T10:11:12Z">dose as prescribed</tnt:Confirmation>

An import applies these confirmations, and only these: a soft finding of imported data that the
file does not confirm becomes an open query (exports.odm_import); the tnt:Query elements are
read past.

The extension's schema is a file shipped with the program, `resources/schemas/
tnt-odm-extension.xsd` (`EXTENSION_XSD` is its text). `extended_schema(official)` compiles the
official ODM 1.3.2 schema (CDISC's files, from the odmlib package: exports.odm_schema) with the
foundation's SubjectDataElementExtension group redefined to admit `tnt:Query` and
`tnt:Confirmation`, so that a file with them validates strictly; the import validates with it.

The data carry their schema: `validation_kit()` is the set of files every ODM export folder and
transfer package gets under `odm/schema/` — the extension schema, a wrapper schema
(`ODM1-3-2-tnt.xsd`) that redefines the official foundation beside it, and a README saying how to
validate strictly with CDISC's files and any schema validator, without our code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

TNT_NS = "http://fjmuuh.example/tnt-sts/odm-extension"
TNT_PREFIX = "tnt"
FOUNDATION = "ODM1-3-2-foundation.xsd"

EXTENSION_FILE = "tnt-odm-extension.xsd"
WRAPPER_FILE = "ODM1-3-2-tnt.xsd"
KIT_README = "README.txt"
KIT_FOLDER = "schema"  # under odm/ in an export folder or package


def _extension_text() -> str:
    from tnt_desktop.paths import resource

    return resource("schemas", EXTENSION_FILE).read_text(encoding="utf-8")


EXTENSION_XSD = _extension_text()


def tnt(tag: str) -> str:
    return f"{{{TNT_NS}}}{tag}"


@lru_cache(maxsize=1)
def extension_schema() -> etree.XMLSchema:
    """The schema of the extension elements alone (validate a tnt:Query element with it)."""
    return etree.XMLSchema(etree.fromstring(EXTENSION_XSD.encode("utf-8")))


def _wrapper(xml: str, xmldsig: str, extension: str, foundation: str) -> bytes:
    """The official schema with SubjectDataElementExtension redefined to admit tnt:Query and
    tnt:Confirmation; the
    four schema locations are URIs (absolute here, relative in the validation kit)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:tnt="{TNT_NS}" targetNamespace="http://www.cdisc.org/ns/odm/v1.3"
           elementFormDefault="qualified" attributeFormDefault="unqualified">
  <xs:import namespace="http://www.w3.org/XML/1998/namespace"
             schemaLocation="{xml}"/>
  <xs:import namespace="http://www.w3.org/2000/09/xmldsig#"
             schemaLocation="{xmldsig}"/>
  <xs:import namespace="{TNT_NS}" schemaLocation="{extension}"/>
  <xs:redefine schemaLocation="{foundation}">
    <xs:group name="SubjectDataElementExtension">
      <xs:sequence>
        <xs:group ref="SubjectDataElementExtension"/>
        <xs:choice>
          <xs:element ref="tnt:Query"/>
          <xs:element ref="tnt:Confirmation"/>
        </xs:choice>
      </xs:sequence>
    </xs:group>
  </xs:redefine>
</xs:schema>
""".encode()


@lru_cache(maxsize=4)
def extended_schema(official: Path) -> etree.XMLSchema:
    """The official ODM 1.3.2 schema (`official`: ODM1-3-2.xsd, with its foundation and the
    xmldsig and xml schemas beside it) extended by tnt:Query in SubjectData. Falls back to the
    official schema alone when the foundation file is not beside it."""
    official = Path(official).resolve()
    if not (official.parent / FOUNDATION).is_file():
        return etree.XMLSchema(etree.parse(str(official)))
    from tnt_desktop.paths import resource

    folder = official.parent
    wrapper = _wrapper((folder / "xml.xsd").as_uri(), (folder / "xmldsig-core-schema.xsd").as_uri(),
                       resource("schemas", EXTENSION_FILE).as_uri(),
                       (folder / FOUNDATION).as_uri())
    return etree.XMLSchema(etree.fromstring(wrapper))


KIT_README_TEXT = f"""Validating the ODM files strictly (CDISC ODM 1.3.2 + the TNT extension)
=======================================================================

The ODM files are CDISC ODM 1.3.2. Inside each SubjectData they may carry the site's queries as
tnt:Query elements, and the site's confirmations of soft edit-check findings as
tnt:Confirmation elements, in the vendor extension namespace {TNT_NS}
(ODM's SubjectDataElementExtension group). This folder holds what a validator needs besides
CDISC's own schema files:

  {EXTENSION_FILE}   the schema of the tnt: elements
  {WRAPPER_FILE}       ODM 1.3.2 with SubjectDataElementExtension redefined to admit tnt:Query
                       and tnt:Confirmation

1. Copy CDISC's ODM 1.3.2 schema files into this folder: ODM1-3-2.xsd, {FOUNDATION},
   xml.xsd and xmldsig-core-schema.xsd (from CDISC, or from the odmlib package:
   odmlib/schemas/odm/1.3.2/).
2. Validate against the wrapper, for example:
     xmllint --noout --schema {WRAPPER_FILE} ../TNT-STS_odm_snapshot.xml
   or in Python: lxml.etree.XMLSchema(file="{WRAPPER_FILE}").assertValid(document).

Validating against CDISC's ODM1-3-2.xsd alone reports the tnt: elements as not allowed; remove
them (any element in the namespace above) first if you want to check the plain standard.
"""


def validation_kit() -> dict[str, bytes]:
    """The files that travel with every ODM export (relative name → bytes), see the module doc."""
    wrapper = _wrapper("xml.xsd", "xmldsig-core-schema.xsd", EXTENSION_FILE, FOUNDATION)
    return {EXTENSION_FILE: EXTENSION_XSD.encode("utf-8"), WRAPPER_FILE: wrapper,
            KIT_README: KIT_README_TEXT.encode("utf-8")}
