"""The layouts: the agreement as seed 000's form (คำรับรองการปฏิบัติราชการ), a round's score
report, and a decision (a decision receipt or a complaint's decision). Each takes a
documents.model record and returns the PDF's bytes."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from documents.model import AgreementDocument, DecisionDocument, RoundReportDocument
from documents.pdf import Cell, ThaiPdf
from domain.thai import thai_digits

LEVELS = 5


def number(value: Decimal | None, places: int | None = 2) -> str:
    """A figure in Thai numerals: weights with two places as the form prints them; a score
    exactly as recorded (`places` None), trailing zeros dropped, never rounded again."""
    if value is None:
        return "-"
    if places is None:
        shown = format(value.normalize(), "f")
    else:
        shown = str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    return thai_digits(shown)


def agreement_pdf(doc: AgreementDocument) -> bytes:
    pdf = ThaiPdf(doc.check, f"คำรับรองการปฏิบัติราชการ {doc.agreement_id}")
    pdf.add_page()
    year = thai_digits(str(doc.fiscal_year_be))
    pdf.title_line("คำรับรองการปฏิบัติราชการ")
    pdf.title_line(f"{doc.title}", size=13)
    pdf.title_line(f"ประจำปีงบประมาณ พ.ศ. {year}", size=13)
    pdf.ln(3)
    pdf.paragraph("๑. คำรับรองระหว่าง", bold=True)
    pdf.paragraph(f"{doc.recipient}  ผู้รับคำรับรอง และ", indent=8)
    pdf.paragraph(f"{doc.maker}{' ' + doc.unit if doc.unit else ''}  ผู้ทำคำรับรอง", indent=8)
    pdf.paragraph(
        f"๒. คำรับรองนี้เป็นคำรับรองฝ่ายเดียว มิใช่สัญญาและใช้สำหรับระยะเวลา ๑ ปี เริ่มตั้งแต่วันที่ {doc.period_th}"
    )
    pdf.paragraph(
        "๓. รายละเอียดของคำรับรอง ได้แก่ ตัวชี้วัด น้ำหนัก และเกณฑ์การให้คะแนน "
        "ตามที่ปรากฏในตารางท้ายคำรับรองนี้ "
        f"(ฉบับที่ {thai_digits(str(doc.version))} สถานะ: {doc.status_th})"
    )
    pdf.paragraph(
        f"๔. ข้าพเจ้า {doc.recipient} ในฐานะผู้รับคำรับรอง ได้พิจารณารายละเอียดของคำรับรองตามข้อ ๓ "
        "แล้ว และเห็นชอบกับเอกสารแนบท้ายคำรับรองนี้ ข้าพเจ้ายินดีจะให้คำแนะนำ กำกับ "
        "และตรวจสอบผลการปฏิบัติราชการของผู้ทำคำรับรองให้เป็นไปตามคำรับรองที่จัดทำขึ้นนี้"
    )
    pdf.paragraph(
        f"๕. ข้าพเจ้า {doc.maker} ได้ทำความเข้าใจคำรับรองตามข้อ ๓ แล้ว ขอให้คำรับรองว่าจะมุ่งมั่น"
        "ปฏิบัติราชการให้เกิดผลงานที่ดีตามเป้าหมายของตัวชี้วัดแต่ละตัวในระดับสูงสุด "
        "เพื่อให้เกิดประโยชน์แก่ทางราชการตามที่ให้คำรับรองไว้"
    )
    pdf.paragraph(
        "๖. ผู้รับคำรับรองและผู้ทำคำรับรอง ได้เข้าใจคำรับรองการปฏิบัติราชการและเห็นพ้องกันแล้ว "
        "จึงได้ลงลายมือชื่อไว้เป็นสำคัญ (ลงนามในระบบตามรายการด้านล่าง)"
    )
    pdf.ln(2)
    _signatures(pdf, doc)
    pdf.ln(4)
    _kpi_table(pdf, doc)
    return pdf.finish()


def _signatures(pdf: ThaiPdf, doc: AgreementDocument) -> None:
    pdf.paragraph("การลงนาม", bold=True)
    widths = [32.0, 52.0, 54.0, 36.0]
    pdf.row(
        [
            Cell(widths[0], "ฐานะ", "C", True),
            Cell(widths[1], "ผู้ลงนาม", "C", True),
            Cell(widths[2], "ปฏิบัติราชการแทน / ตามคำสั่ง", "C", True),
            Cell(widths[3], "วันเวลาที่ลงนาม / ฉบับ", "C", True),
        ],
        shade=True,
    )
    if not doc.signatures:
        pdf.row([Cell(sum(widths), "ยังไม่มีผู้ลงนาม", "C")])
    for s in doc.signatures:
        short = s.version_hash.removeprefix("sha256:")[:12]
        acting = "-"
        if s.on_behalf_of:
            acting = f"ปฏิบัติราชการแทน {s.on_behalf_of}"
            if s.order_ref:
                acting += (
                    f" ตาม{s.order_ref}"
                    if s.order_ref.startswith("คำสั่ง")
                    else (f" ตามคำสั่ง {s.order_ref}")
                )
        pdf.row(
            [
                Cell(widths[0], s.party_th),
                Cell(widths[1], s.signer),
                Cell(widths[2], acting),
                Cell(widths[3], f"{s.signed_at}\nฉบับที่ {thai_digits(str(s.version))} ({short})"),
            ]
        )


def _kpi_table(pdf: ThaiPdf, doc: AgreementDocument) -> None:
    pdf.paragraph("ตัวชี้วัด น้ำหนัก และเกณฑ์การให้คะแนน", bold=True)
    rounds = len(doc.rounds)
    weight_w = 17.0
    code_w, unit_w = 12.0, 22.0
    name_w = pdf.epw - code_w - unit_w - weight_w * rounds
    head = [
        Cell(code_w, "ที่", "C", True),
        Cell(name_w, "ตัวชี้วัด", "C", True),
        Cell(unit_w, "หน่วยวัด", "C", True),
    ]
    head += [Cell(weight_w, f"น้ำหนัก\n{name}", "C", True) for name in doc.rounds]
    pdf.row(head, shade=True)
    level_w = (pdf.epw - code_w - 22.0) / LEVELS
    for kpi in doc.kpis:
        name = kpi.name_th + (" (บังคับ)" if kpi.mandatory else "")
        cells = [
            Cell(code_w, thai_digits(kpi.code), "C"),
            Cell(name_w, name),
            Cell(unit_w, kpi.unit, "C"),
        ]
        cells += [Cell(weight_w, number(w), "C") for w in kpi.weights]
        pdf.row(cells)
        for r, levels in enumerate(kpi.levels):
            if not any(levels):
                continue
            pdf.row(
                [Cell(code_w, ""), Cell(22.0, f"เกณฑ์\n{doc.rounds[r]}", "C")]
                + [
                    Cell(level_w, f"{thai_digits(str(i + 1))}: {thai_digits(text)}" if text else "")
                    for i, text in enumerate(levels)
                ],
                size=9,
            )
    totals = [Cell(code_w + name_w + unit_w, "รวมน้ำหนัก", "R", True)]
    for r in range(rounds):
        total = sum((k.weights[r] or Decimal(0) for k in doc.kpis), Decimal(0))
        totals.append(Cell(weight_w, number(total), "C", True))
    pdf.row(totals)


def round_report_pdf(doc: RoundReportDocument) -> bytes:
    heading = f"รายงานผลการประเมิน {doc.agreement_id} {doc.round_name}"
    pdf = ThaiPdf(doc.check, heading)
    pdf.add_page()
    pdf.title_line("รายงานผลการประเมินผลการปฏิบัติราชการตามคำรับรอง")
    pdf.title_line(doc.title, size=13)
    year = thai_digits(str(doc.fiscal_year_be))
    pdf.title_line(f"{doc.round_name} ประจำปีงบประมาณ พ.ศ. {year}", size=13)
    pdf.ln(2)
    pdf.paragraph(f"ผู้ทำคำรับรอง: {doc.maker}{' ' + doc.unit if doc.unit else ''}")
    pdf.paragraph(f"สถานะของรอบ: {doc.status_th}")
    pdf.ln(2)
    widths = [10.0, 54.0, 15.0, 15.0, 20.0]
    widths.append(pdf.epw - sum(widths))
    pdf.row(
        [
            Cell(widths[0], "ที่", "C", True),
            Cell(widths[1], "ตัวชี้วัด / ผลการดำเนินงาน", "C", True),
            Cell(widths[2], "น้ำหนัก", "C", True),
            Cell(widths[3], "คะแนน\nที่ได้", "C", True),
            Cell(widths[4], "คะแนน\nถ่วงน้ำหนัก", "C", True),
            Cell(widths[5], "ที่มาของคะแนน / ผู้พิจารณา", "C", True),
        ],
        shade=True,
    )
    for line in doc.lines:
        reviewed = ""
        if line.reviewed_by:
            reviewed = f"\nพิจารณาโดย {line.reviewed_by} {line.reviewed_at or ''}"
        pdf.row(
            [
                Cell(widths[0], thai_digits(line.code), "C"),
                Cell(widths[1], f"{line.name_th}\nผล: {line.result_th}"),
                Cell(widths[2], number(line.weight), "C"),
                Cell(widths[3], number(line.score, None), "C"),
                Cell(widths[4], number(line.weighted, None), "C"),
                Cell(widths[5], line.derivation_th + reviewed),
            ],
            size=9,
        )
    pdf.row(
        [
            Cell(widths[0] + widths[1], "รวม", "R", True),
            Cell(widths[2], number(doc.weight_total), "C", True),
            Cell(widths[3], ""),
            Cell(widths[4], number(doc.weighted_total, None), "C", True),
            Cell(widths[5], ""),
        ],
        size=9,
    )
    pdf.ln(3)
    pdf.paragraph(
        f"คะแนนผลการประเมิน (เต็ม ๕): {number(doc.score, None)}    "
        f"เทียบเป็นคะแนนเต็ม ๑๐๐ (× ๒๐): {number(doc.score_100)}",
        bold=True,
    )
    pdf.paragraph(f"วิธีคิด: {doc.explanation_th}", size=10)
    pdf.ln(3)
    if doc.people:
        pdf.paragraph("ผู้ประเมินและวันที่", bold=True)
        for who, when in doc.people:
            pdf.paragraph(f"{who}  {when}", size=11, indent=6)
    pdf.ln(2)
    pdf.paragraph(f"จัดทำเอกสารนี้เมื่อ {doc.made_at}", size=9)
    return pdf.finish()


def decision_pdf(doc: DecisionDocument) -> bytes:
    """A decision receipt or a complaint's decision: what was decided as a two-column table,
    the texts under it, then the log's hashes in small type (64 hex digits fit one line)."""
    pdf = ThaiPdf(doc.check, doc.heading)
    pdf.add_page()
    pdf.title_line(doc.title)
    if doc.subtitle:
        pdf.title_line(doc.subtitle, size=13)
    pdf.ln(3)
    label_w = 48.0
    for label, value in doc.facts:
        pdf.row([Cell(label_w, label, bold=True), Cell(pdf.epw - label_w, value or "-")], size=11)
    for heading, text in doc.texts:
        pdf.ln(3)
        pdf.room_for(14)  # a heading never ends a page without its first line under it
        pdf.paragraph(heading, bold=True)
        pdf.paragraph(text or "-", indent=6)
    if doc.hashes:
        pdf.ln(3)
        pdf.room_for(14)
        pdf.paragraph("หลักฐานในบันทึกตรวจสอบ", bold=True)
        for label, value in doc.hashes:
            pdf.row([Cell(label_w, label, bold=True), Cell(pdf.epw - label_w, value)], size=9)
    pdf.ln(3)
    pdf.paragraph(f"จัดทำเอกสารนี้เมื่อ {doc.made_at}", size=9)
    return pdf.finish()
