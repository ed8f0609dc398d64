"""The TNT Desktop extension of CDISC ODM 1.3.2: queries (issue 6) and the site's confirmations
of soft findings (issue 13) inside SubjectData.

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
file does not confirm becomes an open query (exports.odm_import).

`EXTENSION_XSD` is the schema of the extension elements alone. `extended_schema(official)`
compiles the official ODM 1.3.2 schema (CDISC's files, not part of this project) with the
foundation's SubjectDataElementExtension group redefined to admit `tnt:Query` and
`tnt:Confirmation`, so that a file with them validates strictly; the import validates with it,
reads the confirmations and ignores the queries.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

TNT_NS = "http://fjmuuh.example/tnt-sts/odm-extension"
TNT_PREFIX = "tnt"
FOUNDATION = "ODM1-3-2-foundation.xsd"

EXTENSION_XSD = f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tnt="{TNT_NS}"
           targetNamespace="{TNT_NS}" elementFormDefault="qualified"
           attributeFormDefault="unqualified">
  <xs:simpleType name="Status">
    <xs:restriction base="xs:string">
      <xs:enumeration value="OPEN"/><xs:enumeration value="ANSWERED"/>
      <xs:enumeration value="CLOSED"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="Kind">
    <xs:restriction base="xs:string">
      <xs:enumeration value="RAISE"/><xs:enumeration value="ANSWER"/>
      <xs:enumeration value="CLOSE"/><xs:enumeration value="REOPEN"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="Origin">
    <xs:restriction base="xs:string">
      <xs:enumeration value="MANUAL"/><xs:enumeration value="AUTO"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="Name">
    <xs:restriction base="xs:string"><xs:minLength value="1"/></xs:restriction>
  </xs:simpleType>
  <xs:element name="QueryStep">
    <xs:complexType>
      <xs:simpleContent>
        <xs:extension base="xs:string">
          <xs:attribute name="Kind" type="tnt:Kind" use="required"/>
          <xs:attribute name="UserOID" type="tnt:Name" use="required"/>
          <xs:attribute name="Role" type="tnt:Name" use="required"/>
          <xs:attribute name="DateTimeStamp" type="xs:dateTime" use="required"/>
        </xs:extension>
      </xs:simpleContent>
    </xs:complexType>
  </xs:element>
  <xs:element name="Confirmation">
    <xs:complexType>
      <xs:simpleContent>
        <xs:extension base="tnt:Name">
          <xs:attribute name="StudyEventOID" type="tnt:Name" use="required"/>
          <xs:attribute name="StudyEventRepeatKey" type="xs:positiveInteger"/>
          <xs:attribute name="FormOID" type="tnt:Name" use="required"/>
          <xs:attribute name="FindingKey" type="tnt:Name" use="required"/>
          <xs:attribute name="CheckID" type="tnt:Name" use="required"/>
          <xs:attribute name="ItemOID" type="tnt:Name"/>
          <xs:attribute name="ItemGroupRepeatKey" type="xs:positiveInteger"/>
          <xs:attribute name="UserOID" type="tnt:Name" use="required"/>
          <xs:attribute name="Role" type="tnt:Name" use="required"/>
          <xs:attribute name="DateTimeStamp" type="xs:dateTime" use="required"/>
        </xs:extension>
      </xs:simpleContent>
    </xs:complexType>
  </xs:element>
  <xs:element name="Query">
    <xs:complexType>
      <xs:sequence>
        <xs:element ref="tnt:QueryStep" maxOccurs="unbounded"/>
      </xs:sequence>
      <xs:attribute name="QueryID" type="xs:positiveInteger" use="required"/>
      <xs:attribute name="StudyEventOID" type="tnt:Name" use="required"/>
      <xs:attribute name="StudyEventRepeatKey" type="xs:positiveInteger"/>
      <xs:attribute name="FormOID" type="tnt:Name" use="required"/>
      <xs:attribute name="ItemGroupOID" type="tnt:Name"/>
      <xs:attribute name="ItemGroupRepeatKey" type="xs:positiveInteger"/>
      <xs:attribute name="ItemOID" type="tnt:Name"/>
      <xs:attribute name="Status" type="tnt:Status" use="required"/>
      <xs:attribute name="Origin" type="tnt:Origin" use="required"/>
      <xs:attribute name="CheckID" type="tnt:Name"/>
      <xs:attribute name="RaisedBy" type="tnt:Name" use="required"/>
      <xs:attribute name="RaisedRole" type="tnt:Name" use="required"/>
      <xs:attribute name="DateTimeStamp" type="xs:dateTime" use="required"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""


def tnt(tag: str) -> str:
    return f"{{{TNT_NS}}}{tag}"


@lru_cache(maxsize=1)
def extension_schema() -> etree.XMLSchema:
    """The schema of the extension elements alone (validate a tnt:Query element with it)."""
    return etree.XMLSchema(etree.fromstring(EXTENSION_XSD.encode("utf-8")))


def _wrapper(official: Path, extension: Path) -> bytes:
    folder = official.parent
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:tnt="{TNT_NS}" targetNamespace="http://www.cdisc.org/ns/odm/v1.3"
           elementFormDefault="qualified" attributeFormDefault="unqualified">
  <xs:import namespace="http://www.w3.org/XML/1998/namespace"
             schemaLocation="{(folder / 'xml.xsd').as_uri()}"/>
  <xs:import namespace="http://www.w3.org/2000/09/xmldsig#"
             schemaLocation="{(folder / 'xmldsig-core-schema.xsd').as_uri()}"/>
  <xs:import namespace="{TNT_NS}" schemaLocation="{extension.as_uri()}"/>
  <xs:redefine schemaLocation="{(folder / FOUNDATION).as_uri()}">
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
    import tempfile

    with tempfile.TemporaryDirectory(prefix="tnt-odm-xsd-") as folder:
        extension = Path(folder) / "tnt-odm-extension.xsd"
        extension.write_text(EXTENSION_XSD, encoding="utf-8")
        wrapper = Path(folder) / "ODM1-3-2-tnt.xsd"
        wrapper.write_bytes(_wrapper(official, extension))
        return etree.XMLSchema(etree.parse(str(wrapper)))
