import { redact } from '../redact.js';

/**
 * Flowing layout on top of pdfkit: headings, label/value rows, bullets, alert boxes and tables
 * that break across pages. Every string goes through `show`: masked, since this is the one place
 * text enters the PDF, then `winAnsi` because the built-in Helvetica fonts only encode
 * Windows-1252; pdfkit would otherwise write corrupt glyph codes.
 */
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

const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const LABEL_WIDTH = 130;

// Code points above 0xFF that Windows-1252 (and so pdfkit's standard fonts) can encode.
const CP1252_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const FALLBACK: Record<string, string> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', ı: 'i', '→': '->', '≥': '>=', '≤': '<=', '−': '-' };

export function winAnsi(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\n' || (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || CP1252_EXTRA.has(ch)) {
      out += ch;
    } else if (ch === '\t' || ch === '\r') {
      out += ' ';
    } else if (FALLBACK[ch]) {
      out += FALLBACK[ch];
    } else {
      const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      out += base && base !== ch && [...base].every((c) => (c.codePointAt(0) ?? 0) <= 0xff) ? base : '?';
    }
  }
  return out;
}

const show = (text: string): string => winAnsi(redact(text));

export interface TextStyle {
  size?: number;
  bold?: boolean;
  color?: string;
  indent?: number;
}

export interface Column {
  header: string;
  width: number; // fraction of the content width
}

export class Layout {
  constructor(readonly doc: Doc) {}

  get left(): number {
    return this.doc.page.margins.left;
  }
  get width(): number {
    return this.doc.page.width - this.doc.page.margins.left - this.doc.page.margins.right;
  }
  get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  /** Starts a new page unless `height` points still fit on this one. */
  ensureSpace(height: number): void {
    if (this.doc.y + height > this.bottom) this.doc.addPage();
    this.doc.x = this.left;
  }

  gap(points = 6): void {
    this.doc.y += points;
  }

  private style({ size = 10, bold = false, color = COLORS.text }: TextStyle): void {
    this.doc.font(bold ? BOLD : FONT).fontSize(size).fillColor(color);
  }

  title(text: string): void {
    this.style({ size: 20, bold: true });
    this.doc.text(show(text), this.left, this.doc.y, { width: this.width });
    this.gap(4);
  }

  /** A section heading with a rule under it; never left alone at the bottom of a page. */
  heading(text: string): void {
    this.ensureSpace(70);
    this.gap(10);
    this.style({ size: 14, bold: true });
    this.doc.text(show(text), this.left, this.doc.y, { width: this.width });
    const y = this.doc.y + 2;
    this.doc.moveTo(this.left, y).lineTo(this.left + this.width, y).lineWidth(0.7).strokeColor(COLORS.rule).stroke();
    this.doc.y = y + 6;
  }

  subheading(text: string, color: string = COLORS.text): void {
    this.ensureSpace(50);
    this.gap(6);
    this.style({ size: 11.5, bold: true, color });
    this.doc.text(show(text), this.left, this.doc.y, { width: this.width });
    this.gap(2);
  }

  text(text: string, style: TextStyle = {}): void {
    this.style(style);
    const indent = style.indent ?? 0;
    const width = this.width - indent;
    this.ensureSpace(Math.min(this.doc.heightOfString(show(text), { width }), 30));
    this.doc.text(show(text), this.left + indent, this.doc.y, { width });
    this.doc.x = this.left;
  }

  /** Label in bold on the left, value flowing on the right (long values continue on the next page). */
  field(label: string, value: string, valueStyle: TextStyle = {}): void {
    const indent = valueStyle.indent ?? 0;
    const valueX = this.left + indent + LABEL_WIDTH;
    const valueWidth = this.width - indent - LABEL_WIDTH;
    this.style(valueStyle);
    const valueHeight = this.doc.heightOfString(show(value), { width: valueWidth });
    this.ensureSpace(Math.min(valueHeight, 40));
    const y = this.doc.y;
    this.style({ bold: true, color: COLORS.muted, size: valueStyle.size });
    this.doc.text(show(label), this.left + indent, y, { width: LABEL_WIDTH - 8 });
    const labelBottom = this.doc.y;
    const page = this.doc.page;
    this.style(valueStyle);
    this.doc.text(show(value), valueX, y, { width: valueWidth });
    if (this.doc.page === page) this.doc.y = Math.max(this.doc.y, labelBottom);
    this.doc.x = this.left;
    this.gap(2);
  }

  bullets(items: string[], style: TextStyle = {}): void {
    for (const item of items) this.text(`•  ${item}`, { ...style, indent: (style.indent ?? 0) + 10 });
  }

  /** A shaded, bordered box for things an auditor must not miss (a failed step). */
  alert(text: string, indent = 0): void {
    const pad = 6;
    const width = this.width - indent;
    this.style({ bold: true, size: 10 });
    const height = this.doc.heightOfString(show(text), { width: width - 2 * pad }) + 2 * pad;
    this.ensureSpace(height + 4);
    const y = this.doc.y + 2;
    this.doc.rect(this.left + indent, y, width, height).lineWidth(1).fillAndStroke(COLORS.badBg, COLORS.bad);
    this.style({ bold: true, size: 10, color: COLORS.bad });
    this.doc.text(show(text), this.left + indent + pad, y + pad, { width: width - 2 * pad });
    this.doc.x = this.left;
    this.doc.y = y + height + 4;
  }

  /** A table whose rows never split; the header is repeated on every page it spans. */
  table(columns: Column[], rows: string[][], size = 8): void {
    const pad = 3;
    const widths = columns.map((c) => c.width * this.width);
    const measure = (cells: string[], bold: boolean): number => {
      this.style({ size, bold });
      const heights = cells.map((c, i) => this.doc.heightOfString(show(c), { width: widths[i]! - 2 * pad }));
      return Math.max(...heights) + 2 * pad;
    };
    const draw = (cells: string[], y: number, height: number, header: boolean, shade: boolean): void => {
      if (header || shade) {
        this.doc.rect(this.left, y, this.width, height).fill(header ? COLORS.rule : COLORS.shade);
      }
      let x = this.left;
      cells.forEach((c, i) => {
        this.style({ size, bold: header });
        this.doc.text(show(c), x + pad, y + pad, { width: widths[i]! - 2 * pad });
        x += widths[i]!;
      });
    };
    const headers = columns.map((c) => c.header);
    const headerHeight = measure(headers, true);
    const drawHeader = (): number => {
      const y = this.doc.y;
      draw(headers, y, headerHeight, true, false);
      return y + headerHeight;
    };

    this.ensureSpace(headerHeight + 2 * measure(rows[0] ?? headers, false));
    let y = drawHeader();
    rows.forEach((row, index) => {
      const height = measure(row, false);
      if (y + height > this.bottom) {
        this.doc.addPage();
        this.doc.y = this.doc.page.margins.top;
        y = drawHeader();
      }
      draw(row, y, height, false, index % 2 === 1);
      y += height;
    });
    this.doc.x = this.left;
    this.doc.y = y + 4;
  }

  /** Stamps a footer on every buffered page; call once, after all content. */
  footers(leftText: string): void {
    const range = this.doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      this.doc.switchToPage(i);
      const { margins } = this.doc.page;
      const bottomMargin = margins.bottom;
      margins.bottom = 0; // writing inside the margin must not trigger a page break
      const y = this.doc.page.height - bottomMargin + 18;
      this.style({ size: 8, color: COLORS.muted });
      this.doc.text(show(leftText), this.left, y, { width: this.width, align: 'left', lineBreak: false });
      this.doc.text(`Page ${i - range.start + 1} of ${range.count}`, this.left, y, {
        width: this.width,
        align: 'right',
        lineBreak: false,
      });
      margins.bottom = bottomMargin;
    }
  }
}
