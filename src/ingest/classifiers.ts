/** The classifiers (labels + enrichment) an ingest or an inspect uses, built from the ingest configuration. */
import type { Config } from '../config.js';
import { createClassifier, createEnricher, Enricher, LabelSet, loadLabelFiles, type ClassifyFn } from './classify/index.js';
import type { OpenedInput } from './input/index.js';
import { SUMMARY_FORMAT_TRAITS } from './summary/index.js';

export interface Classifiers {
  /** The classifier for one input: inputs whose source address is a pseudonym get no labels and no enrichment. */
  forInput(input: OpenedInput): ClassifyFn;
}

export async function classifiersFromConfig(cfg: Config['ingest']): Promise<Classifiers> {
  const labels = cfg.labelFiles.length > 0 ? await loadLabelFiles(cfg.labelFiles) : LabelSet.empty();
  const enricher = cfg.enrich
    ? await createEnricher({ geoipPath: cfg.geoipPath ?? undefined, asnDbPath: cfg.asnDbPath ?? undefined })
    : Enricher.disabled();
  const full = createClassifier({ labels, enricher });
  let bare: ClassifyFn | null = null;
  return {
    forInput(input) {
      // A hashed source (NICT Darknet Dataset 2022) is not an address: a country,
      // ASN or CIDR label looked up from it would be made up.
      if (input.kind === 'summary' && SUMMARY_FORMAT_TRAITS[input.format].sourceIsPseudonym) {
        bare ??= createClassifier({ labels: LabelSet.empty(), enricher: Enricher.disabled() });
        return bare;
      }
      return full;
    },
  };
}
