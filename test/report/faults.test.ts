// The Faults injected section of a chaos demo's report: a row per fault with how it was survived, the
// invariants' verdict, escaped names, and nothing of it in a report without faults.
import { renderReport } from '../../lib/report/html';
import { esc } from '../../lib/report/markup';
import { chaosFixture as chaos, exampleReport } from './fixture';
import { markupProblems, sectionOf } from './html-check';

describe('the Faults injected section', () => {
  it('lists each fault with where, when, the error and how it was survived, after the summary', () => {
    const html = renderReport({ ...exampleReport(), chaos: chaos() });
    const section = sectionOf(html, 'faults');
    expect(html.indexOf('<section id="faults">')).toBeGreaterThan(html.indexOf('<section id="summary">'));
    expect(html.indexOf('<section id="faults">')).toBeLessThan(html.indexOf('<section id="plan">'));
    expect(html).toContain('<a href="#faults">Faults injected</a>');
    const rows = section.split('<tr>').slice(2);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('rollback-throttle');
    expect(rows[0]).toContain('ThrottlingException');
    expect(rows[0]).toContain('call 1 of 2, at 6.6 min');
    expect(rows[0]?.match(/<li>/g)).toHaveLength(2);
    expect(rows[1]).toContain('it started nothing');
    expect(section).toContain('<strong>Every invariant held</strong>');
    expect(markupProblems(html)).toStrictEqual([]);
  });

  it('says which invariant broke and how', () => {
    const section = sectionOf(
      renderReport({ ...exampleReport(), chaos: chaos(['inc-1 wave 1 cart: rolled back 2 times']) }),
      'faults',
    );
    expect(section).toContain('<strong>1 invariant broken</strong>');
    expect(section).toContain('<span class="badge t-bad">broken</span> each rollback applied at most once');
    expect(section).toContain('<li>inc-1 wave 1 cart: rolled back 2 times</li>');
    expect(section).toContain('<span class="badge t-good">held</span> every step on the timeline');
  });

  it('escapes what the faults say', () => {
    const evil = `<script>alert("x")</script>`;
    const base = chaos();
    const html = renderReport({
      ...exampleReport(),
      chaos: { ...base, faults: base.faults.map((f) => ({ ...f, where: evil, survived: [evil] })) },
    });
    expect(html).not.toContain('<script');
    expect(sectionOf(html, 'faults')).toContain(esc(evil));
    expect(markupProblems(html)).toStrictEqual([]);
  });

  it('is not in a report without faults', () => {
    const html = renderReport(exampleReport());
    expect(html).not.toContain('id="faults"');
    expect(html).not.toContain('#faults');
  });
});
