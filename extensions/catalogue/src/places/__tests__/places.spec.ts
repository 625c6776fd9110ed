import { placeButtons } from '../index';

describe('placeButtons', () => {
  it('offers the home folder (the proposals are the preferred folder)', () => {
    expect(placeButtons({ home: 'home/alice', proposals: 'data' })).toEqual([
      ['panhub-home', 'Home', 'home/alice']
    ]);
  });

  it('leaves out what the server does not have', () => {
    expect(placeButtons({ home: null, proposals: 'data' })).toEqual([]);
  });
});
