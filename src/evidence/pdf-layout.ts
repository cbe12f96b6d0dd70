import type { TextSetter, TextStyle } from './pdf-text.js';

type Doc = PDFKit.PDFDocument;

export const COLORS = {
  text: '#1f2328',
  muted: '#59636e',
  rule: '#d1d9e0',
  shade: '#f6f8fa',
  ok: '#1a7f37',
  bad: '#b42318',
  badBg: '#fdecea',
  warn: '#9a6700',
} as const;

export const MARGINS = { top: 50, bottom: 72, left: 45, right: 45 };
const LABEL_WIDTH = 135;

export interface Column {
  header: string;
  /** Fraction of the content width. */
  width: number;
}

/**
 * Flowing layout: a cursor that moves down the page and starts a new one when the next piece does
 * not fit. Headings are never left alone at the bottom of a page; table rows never split, and the
 * header row repeats on every page a table spans.
 */
export class Layout {
  y = MARGINS.top;

  constructor(
    readonly doc: Doc,
    readonly text: TextSetter,
  ) {}

  get left(): number {
    return MARGINS.left;
  }
  get width(): number {
    return this.doc.page.width - MARGINS.left - MARGINS.right;
  }
  get bottom(): number {
    return this.doc.page.height - MARGINS.bottom;
  }

  newPage(): void {
    this.doc.addPage();
    this.y = MARGINS.top;
  }

  ensureSpace(height: number): void {
    if (this.y + height > this.bottom) this.newPage();
  }

  gap(points = 6): void {
    this.y += points;
  }

  /** Text flowing line by line, across pages when it must. */
  paragraph(value: string, style: TextStyle = {}, indent = 0): void {
    const lines = this.text.lines(value, this.width - indent, style);
    const lineHeight = this.text.height(lines.slice(0, 1), style);
    for (const line of lines) {
      this.ensureSpace(lineHeight);
      this.y = this.text.draw([line], this.left + indent, this.y, { color: COLORS.text, ...style });
    }
  }

  title(value: string): void {
    this.paragraph(value, { size: 22, bold: true });
    this.gap(6);
  }

  heading(value: string): void {
    this.ensureSpace(80);
    this.gap(10);
    this.paragraph(value, { size: 14, bold: true });
    this.doc
      .moveTo(this.left, this.y + 1)
      .lineTo(this.left + this.width, this.y + 1)
      .lineWidth(0.7)
      .strokeColor(COLORS.rule)
      .stroke();
    this.gap(7);
  }

  subheading(value: string, color: string = COLORS.text): void {
    this.ensureSpace(50);
    this.gap(6);
    this.paragraph(value, { size: 11.5, bold: true, color });
    this.gap(2);
  }

  /** Label on the left, value on the right; the pair moves to the next page together. */
  field(label: string, value: string, style: TextStyle = {}, indent = 0): void {
    const size = style.size ?? 9.5;
    const labelLines = this.text.lines(label, LABEL_WIDTH - 8, { size, bold: true });
    const valueLines = this.text.lines(value, this.width - indent - LABEL_WIDTH, { ...style, size });
    const height = Math.max(this.text.height(labelLines, { size }), this.text.height(valueLines, { size }));
    if (height > this.bottom - MARGINS.top) {
      this.paragraph(`${label}: ${value}`, { ...style, size }, indent);
      return;
    }
    this.ensureSpace(height);
    this.text.draw(labelLines, this.left + indent, this.y, { size, bold: true, color: COLORS.muted });
    this.text.draw(valueLines, this.left + indent + LABEL_WIDTH, this.y, { color: COLORS.text, ...style, size });
    this.y += height + 2;
  }

  bullets(items: string[], style: TextStyle = {}, indent = 0): void {
    for (const item of items) this.paragraph(`•  ${item}`, { size: 9, ...style }, indent + 10);
  }

  /** A bordered box for what an auditor must not miss. */
  alert(value: string, indent = 0): void {
    const pad = 6;
    const width = this.width - indent;
    const style = { size: 9.5, bold: true, color: COLORS.bad };
    const lines = this.text.lines(value, width - 2 * pad, style);
    const height = this.text.height(lines, style) + 2 * pad;
    this.ensureSpace(height + 4);
    this.doc
      .rect(this.left + indent, this.y, width, height)
      .lineWidth(1)
      .fillAndStroke(COLORS.badBg, COLORS.bad);
    this.text.fillChanged();
    this.text.draw(lines, this.left + indent + pad, this.y + pad, style);
    this.y += height + 6;
  }

  table(columns: Column[], rows: string[][], size = 8): void {
    const pad = 3;
    const widths = columns.map((c) => c.width * this.width);
    const layoutRow = (cells: string[], bold: boolean) => {
      const lines = cells.map((c, i) => this.text.lines(c, widths[i]! - 2 * pad, { size, bold }));
      return { lines, height: Math.max(...lines.map((l) => this.text.height(l, { size }))) + 2 * pad };
    };
    const drawRow = (row: ReturnType<typeof layoutRow>, fill: string | undefined, bold: boolean) => {
      if (fill) {
        this.doc.rect(this.left, this.y, this.width, row.height).fill(fill);
        this.text.fillChanged();
      }
      let x = this.left;
      row.lines.forEach((lines, i) => {
        this.text.draw(lines, x + pad, this.y + pad, { size, bold, color: COLORS.text });
        x += widths[i]!;
      });
      this.y += row.height;
    };
    const header = layoutRow(
      columns.map((c) => c.header),
      true,
    );
    const laid = rows.map((r) => layoutRow(r, false));
    this.ensureSpace(header.height + (laid[0]?.height ?? 0));
    drawRow(header, COLORS.rule, true);
    laid.forEach((row, index) => {
      if (this.y + row.height > this.bottom) {
        this.newPage();
        drawRow(header, COLORS.rule, true);
      }
      drawRow(row, index % 2 === 1 ? COLORS.shade : undefined, false);
    });
    this.gap(4);
  }

  /** Stamps every page, once all content is laid out; `lines(page, pages)` gives the footer's lines. */
  footers(lines: (page: number, pages: number) => Array<{ left: string; right?: string }>): void {
    const range = this.doc.bufferedPageRange();
    const style = { size: 6.5, color: COLORS.muted };
    for (let i = range.start; i < range.start + range.count; i++) {
      this.doc.switchToPage(i);
      let y = this.doc.page.height - MARGINS.bottom + 22;
      this.doc
        .moveTo(this.left, y - 5)
        .lineTo(this.left + this.width, y - 5)
        .lineWidth(0.5)
        .strokeColor(COLORS.rule)
        .stroke();
      for (const { left, right } of lines(i - range.start + 1, range.count)) {
        this.text.draw(this.text.lines(left, this.width, style), this.left, y, style);
        if (right) this.text.draw(this.text.lines(right, this.width, style), this.left, y, style, 'right', this.width);
        y += style.size * 1.5;
      }
    }
  }
}
