"""Regenerate the PDF and DOCX sample documents in data/ from the Markdown sources beside this script.

The generated files are committed, so nobody needs to run this to use the project. To regenerate:
    .venv/bin/pip install fpdf2 && .venv/bin/python scripts/build_sample_documents.py
"""

from __future__ import annotations

from pathlib import Path

import docx
from fpdf import FPDF

SOURCES = Path(__file__).resolve().parent / "sample_sources"
DATA = Path(__file__).resolve().parents[1] / "data"

TARGETS = {
    "benefits-handbook.md": DATA / "hr" / "benefits-handbook.pdf",
    "incident-response.md": DATA / "security" / "incident-response.pdf",
    "onboarding-checklist.md": DATA / "hr" / "onboarding-checklist.docx",
    "remote-work-policy.md": DATA / "hr" / "remote-work-policy.docx",
}


def build_pdf(lines: list[str], target: Path) -> None:
    pdf = FPDF()
    pdf.set_creator("Northwind Labs")
    pdf.set_auto_page_break(auto=True, margin=20)
    for line in lines:
        if line.startswith("# "):
            pdf.set_title(line[2:])
            pdf.add_page()
            pdf.set_font("Helvetica", "B", 18)
            pdf.multi_cell(0, 10, line[2:], new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("## "):
            if pdf.get_y() > 150:  # start every major section after mid-page on a new page
                pdf.add_page()
            pdf.set_font("Helvetica", "B", 14)
            pdf.ln(4)
            pdf.multi_cell(0, 8, line[3:], new_x="LMARGIN", new_y="NEXT")
        elif line.strip():
            pdf.set_font("Helvetica", "", 11)
            text = line.replace("- ", "* ", 1) if line.startswith("- ") else line
            pdf.multi_cell(0, 6, text.encode("latin-1", "replace").decode("latin-1"), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    pdf.output(str(target))


def build_docx(lines: list[str], target: Path) -> None:
    document = docx.Document()
    for line in lines:
        if line.startswith("# "):
            document.add_heading(line[2:], level=0)
            document.core_properties.title = line[2:]
        elif line.startswith("## "):
            document.add_heading(line[3:], level=1)
        elif line.startswith("- "):
            document.add_paragraph(line[2:], style="List Bullet")
        elif line.strip():
            document.add_paragraph(line)
    document.save(str(target))


def main() -> None:
    for name, target in TARGETS.items():
        lines = (SOURCES / name).read_text().splitlines()
        target.parent.mkdir(parents=True, exist_ok=True)
        (build_pdf if target.suffix == ".pdf" else build_docx)(lines, target)
        print(f"wrote {target.relative_to(DATA.parent)}")


if __name__ == "__main__":
    main()
