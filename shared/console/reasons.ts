/**
 * A parked item's reason in plain words, and what a person can do about it. Reasons are the codes the pipeline
 * records (recipes' park reasons, QBO fault codes as `qbo_<code>`, the gate's `dry_run`/`awaiting_approval`);
 * an unknown code still gets a sensible default.
 */
export interface ReasonHelp {
  title: string;
  todo: string;
}

const QBO_FAULTS: Record<string, ReasonHelp> = {
  '6140': {
    title: 'QBO already has a document with this number',
    todo: 'Find the existing document in QBO (search the number). If it is this Stripe object, link it by dismissing this item; if it is another, renumber one of them in QBO and retry.',
  },
  '6240': {
    title: 'QBO already has a customer with this name',
    todo: 'Check the customer in QBO. Retry once the duplicate is renamed or made inactive.',
  },
  '2500': {
    title: 'QBO refused a reference (an account, item or customer it does not know)',
    todo: "Check the tenant's account and item mapping against QBO (stripe-qbo tenant check), fix it, then retry.",
  },
  '610': {
    title: 'QBO refused an inactive account, item or customer',
    todo: 'Make the object active again in QBO, or map the tenant to an active one, then retry.',
  },
  '6000': {
    title: 'QBO refused the document under one of its business rules',
    todo: "Read QBO's message below; fix the cause in QBO or in the tenant's settings, then retry.",
  },
  '2020': {
    title: 'QBO says a required field is missing',
    todo: "Read QBO's message below; this usually means a mapping is missing. Fix the settings, then retry.",
  },
};

const REASONS: Record<string, ReasonHelp> = {
  settings_incomplete: {
    title: 'The tenant has no account or item mapped for something this needs',
    todo: "Add the missing mappings named below to the tenant's settings (stripe-qbo tenant put), then retry. The daily replay also sends these again once the settings are complete.",
  },
  auth: {
    title: 'QBO refused our credentials: the company must be reconnected',
    todo: 'Reconnect QBO (stripe-qbo connect-qbo, then tenant activate). Items parked for this are sent again by the next replay; or retry them here afterwards.',
  },
  totals_mismatch: {
    title: "The amounts do not add up to Stripe's total, to the cent",
    todo: 'Compare the proposed payload with the Stripe object. If a QBO document was written (its id is below), check it in QBO; fix or delete it there, then retry or dismiss.',
  },
  currency_unsupported: {
    title: "The currency is not the QBO company's home currency, and the company has no multicurrency",
    todo: 'Turn on multicurrency in QBO and in the tenant settings, or record this one by hand in QBO and dismiss it.',
  },
  negative_total: {
    title: 'The invoice totals less than zero',
    todo: 'QBO cannot hold a negative invoice. Record it by hand (a credit memo) and dismiss this item.',
  },
  dry_run: {
    title: 'Dry run: this is what would be posted',
    todo: 'Check the proposed payload. Approve to post it for real, or dismiss it.',
  },
  awaiting_approval: {
    title: 'Waiting for approval (auto-post is off for this tenant)',
    todo: 'Check the proposed payload, then approve to post it, or dismiss it.',
  },
  invalid_message: {
    title: 'The message did not match its schema',
    todo: 'Nothing can be retried from it. Find the Stripe object, fix what produced the message, and replay the tenant.',
  },
  invalid_object: {
    title: 'The Stripe object is missing something the recipe needs',
    todo: 'Read the detail below and check the object in Stripe; once it is right, retry.',
  },
  balance_transactions_required: {
    title: "The payout's balance transactions could not be read",
    todo: "Check the tenant's Stripe key (it must be able to list balance transactions), then retry.",
  },
  charge_invoice_unknown: {
    title: 'The charge names an invoice we could not read',
    todo: "Check the tenant's Stripe key and the invoice in Stripe, then retry.",
  },
  dependency_missing: {
    title: 'Something this needs (its customer or invoice) never reached QBO',
    todo: 'Look for the dependency in this queue or the dead letters and fix it first; then retry this one.',
  },
  customer_near_match: {
    title: 'A QBO customer looks like this Stripe customer but is not an exact match',
    todo: 'Decide in QBO whether it is the same customer; merge or rename, then retry.',
  },
  customer_ambiguous: {
    title: 'Several QBO customers match this Stripe customer',
    todo: 'Merge or rename the duplicates in QBO, then retry.',
  },
  invoice_has_applied_payments: {
    title: 'The invoice cannot be voided: payments are applied to it in QBO',
    todo: 'Unapply or delete the payments in QBO first, then retry the void.',
  },
};

export function reasonHelp(reason: string): ReasonHelp {
  const known = REASONS[reason];
  if (known) return known;
  const fault = /^qbo_(\d+)$/.exec(reason)?.[1];
  if (fault && QBO_FAULTS[fault]) return QBO_FAULTS[fault];
  if (fault)
    return {
      title: `QBO refused the write (fault ${fault})`,
      todo: "Read QBO's message below; fix the cause in QBO or in the tenant settings, then retry.",
    };
  return {
    title: `Parked: ${reason.replace(/_/g, ' ')}`,
    todo: 'Read the detail below. Retry once the cause is fixed, or dismiss if it needs nothing in QBO.',
  };
}
