// Placeholder while the unpacker is written on branch `layers`; replaced before this lands.
