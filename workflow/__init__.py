"""The convention's circuit: review, frozen versions, signatures, e-mail notices, and the convention
page that gathers it all."""
