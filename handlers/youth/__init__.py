"""Youth study groups (促学), by concept: members and who counts as youth (/youth, /youthflag), the
rotating leader (/rotation, /swap), activity records (/record), knowledge contests (/quiz, poll
answers) and the committee's evaluation (/evaluate, consent). bot/features/youth.py declares them."""
