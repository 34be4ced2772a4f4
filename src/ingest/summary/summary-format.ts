/** The summary line formats, and what each one can and cannot tell us. */

export type SummaryFormat = 'jsonl' | 'csv' | 'nict2022';

export const SUMMARY_FORMATS: readonly SummaryFormat[] = Object.freeze(['jsonl', 'csv', 'nict2022']);

export interface SummaryFormatTraits {
  /**
   * `src4` holds a pseudonym (a hash), not an address: group and count by it,
   * but do not look it up in GeoIP/ASN databases, match it against CIDR labels,
   * or aggregate it by prefix.
   */
  readonly sourceIsPseudonym: boolean;
  /** `dst4` holds only the lower 16 bits of the destination (upper 16 are zero). */
  readonly destinationIsPartial: boolean;
}

export const SUMMARY_FORMAT_TRAITS: Readonly<Record<SummaryFormat, SummaryFormatTraits>> = Object.freeze({
  jsonl: Object.freeze({ sourceIsPseudonym: false, destinationIsPartial: false }),
  csv: Object.freeze({ sourceIsPseudonym: false, destinationIsPartial: false }),
  nict2022: Object.freeze({ sourceIsPseudonym: true, destinationIsPartial: true }),
});

export function isSummaryFormat(value: unknown): value is SummaryFormat {
  return typeof value === 'string' && (SUMMARY_FORMATS as readonly string[]).includes(value);
}
