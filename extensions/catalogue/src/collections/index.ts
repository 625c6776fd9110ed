/**
 * Making a data collection from the panel: the datasets chosen in the details (the
 * basket), the form in a dialog, a draft in the catalogue, edits until DataCite would
 * accept it, then "Submit for review". Minting is the reviewers' (in the portal).
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';

import { CatalogueRequestError, ICollection, ICollectionFormOptions } from '../api';
import type { CatalogueModel } from '../model';
import { CommandIDs } from '../tokens';
import { CollectionForm, ICollectionFormState } from './form';
import { ICollectionValues, makeCollectionBody, makeEmptyValues } from './model';

export * from './model';

/** Add the command that opens the form on the chosen datasets. */
export function addCollectionCommand(commands: CommandRegistry, model: CatalogueModel, trans: TranslationBundle): void {
  commands.addCommand(CommandIDs.newCollection, {
    label: trans.__('Make a Data Collection…'),
    caption: trans.__('Describe the chosen datasets as a data collection, to get a DOI for them'),
    isEnabled: () => model.basket.size > 0,
    execute: () => makeCollection(model, trans)
  });
  model.basket.changed.connect(() => commands.notifyCommandChanged(CommandIDs.newCollection));
}

/** The whole flow; resolves with the collection (or null when the user cancels). */
export async function makeCollection(model: CatalogueModel, trans: TranslationBundle): Promise<ICollection | null> {
  const __ = trans.__.bind(trans);
  let options: ICollectionFormOptions;
  try {
    options = await model.client.collectionForm();
  } catch (error) {
    Notification.error(__('The catalogue cannot make data collections now: %1', (error as Error).message));
    return null;
  }
  const datasets = model.basket.items;
  let values: ICollectionValues = makeEmptyValues();
  let draft: ICollection | null = null;
  let state: ICollectionFormState = { datasets };
  for (;;) {
    const form = new CollectionForm(options, values, state, trans);
    const result = await showDialog({
      title: draft ? __('Data collection %1 (draft)', draft.id) : __('New data collection'),
      body: form,
      focusNodeSelector: `#${form.titleInput.id}`,
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: draft ? __('Save') : __('Create draft') })]
    });
    if (!result.button.accept || !result.value) {
      return draft;
    }
    values = result.value;
    if (!values.title.trim()) {
      state = { ...state, error: __('Title: a title is needed.') };
      continue;
    }
    try {
      draft = draft
        ? await model.client.updateCollection(draft.id, makeCollectionBody(values))
        : await model.client.createCollection(makeCollectionBody(values, datasets.map(d => d.id)));
    } catch (error) {
      state = { ...state, error: (error as Error).message, problems: (error as CatalogueRequestError).problems };
      continue;
    }
    model.basket.clear();
    if (draft.problems && draft.problems.length) {
      state = { datasets, draftId: draft.id, problems: draft.problems };
      continue;
    }
    return submit(draft, trans, model);
  }
}

/** Ask whether to send the complete draft to review now; do it. */
async function submit(draft: ICollection, trans: TranslationBundle, model: CatalogueModel): Promise<ICollection> {
  const __ = trans.__.bind(trans);
  const open = { label: __('Open in the portal'), callback: () => window.open(draft.portalUrl, '_blank', 'noopener') };
  const answer = await showDialog({
    title: __('Draft %1 is complete', draft.id),
    body: __('“%1” can go to review now: beamline staff check it and mint its DOI. Until then you can still change it in the catalogue’s portal.', draft.title ?? ''),
    buttons: [Dialog.cancelButton({ label: __('Keep as draft') }), Dialog.okButton({ label: __('Submit for review') })]
  });
  if (!answer.button.accept) {
    Notification.info(__('Data collection %1 is saved as a draft.', draft.id), { autoClose: 8000, actions: [open] });
    return draft;
  }
  try {
    const submitted = await model.client.submitCollection(draft.id);
    Notification.success(__('Data collection %1 is in review: staff will mint its DOI.', draft.id), { autoClose: 8000, actions: [open] });
    return submitted;
  } catch (error) {
    Notification.error(__('Data collection %1 was not submitted: %2', draft.id, (error as Error).message), { actions: [open] });
    return draft;
  }
}
