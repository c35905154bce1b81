// Compiled only to produce a precompiled header (see HsPch.cmake).
