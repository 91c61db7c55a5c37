/*
 * Starting points for a project's Label Studio configuration. Each one is
 * accepted by the server's parser (src/labelcfg/parse.c) and uses only tags
 * the embedded frontend (@heartexlabs/label-studio 1.4.0) knows: it has
 * <Audio> (player only), <AudioPlus> (waveform with regions) and <Video>
 * (player only), but no <TimelineLabels> or <VideoRectangle>, so video
 * projects classify whole clips.
 */
export const LABEL_TEMPLATES: { id: string; name: string; config: string }[] = [
  {
    id: 'ner',
    name: 'Named entities in text',
    config: `<View>
  <Labels name="label" toName="text">
    <Label value="PER"/>
    <Label value="ORG"/>
    <Label value="LOC"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>`,
  },
  {
    id: 'classify',
    name: 'Text classification',
    config: `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
    <Choice value="Neutral"/>
  </Choices>
</View>`,
  },
  {
    id: 'image-classify',
    name: 'Image classification',
    config: `<View>
  <Image name="image" value="$image"/>
  <Choices name="class" toName="image" choice="single" showInline="true">
    <Choice value="Cat"/>
    <Choice value="Dog"/>
    <Choice value="Other"/>
  </Choices>
</View>`,
  },
  {
    id: 'bbox',
    name: 'Bounding boxes on images',
    config: `<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Car" background="#d32f2f"/>
    <Label value="Person" background="#1f5fbf"/>
  </RectangleLabels>
</View>`,
  },
  {
    id: 'audio-segments',
    name: 'Audio segmentation and transcription',
    config: `<View>
  <Header value="Drag on the waveform to mark a segment, label it, then type what is said in it."/>
  <AudioPlus name="audio" value="$audio"/>
  <Labels name="segment" toName="audio">
    <Label value="Speech" background="#1f5fbf"/>
    <Label value="Music" background="#2e7d32"/>
    <Label value="Noise" background="#d32f2f"/>
  </Labels>
  <TextArea name="transcription" toName="audio" perRegion="true" editable="true" rows="2" placeholder="Transcription of the selected segment"/>
</View>`,
  },
  {
    id: 'video-classify',
    name: 'Video classification',
    config: `<View>
  <Video name="video" value="$video"/>
  <Choices name="scene" toName="video" choice="single" showInline="true">
    <Choice value="Indoor"/>
    <Choice value="Outdoor"/>
    <Choice value="Unclear"/>
  </Choices>
</View>`,
  },
];

/**
 * Data to preview a configuration with when the project has no task yet:
 * one value per $variable, chosen by the tag that reads it. Images are an
 * inline SVG so the preview works offline.
 */
export const SAMPLE_IMAGE =
  'data:image/svg+xml;charset=utf-8,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200"><rect width="320" height="200" fill="#e8eef7"/>' +
      '<rect x="40" y="60" width="110" height="70" fill="#1f5fbf"/><circle cx="235" cy="95" r="40" fill="#b3261e"/></svg>',
  );

export function sampleData(config: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const re = /<(\w+)\b[^>]*?\bvalue="\$(\w+)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(config)) !== null) {
    const tag = m[1].toLowerCase();
    const key = m[2];
    if (key in out) continue;
    if (tag === 'image') out[key] = SAMPLE_IMAGE;
    else if (tag === 'audio' || tag === 'audioplus' || tag === 'video') out[key] = '';
    else if (tag === 'hypertext') out[key] = '<p>Alice Smith works at Acme Corp in Paris.</p>';
    else out[key] = 'Alice Smith works at Acme Corp in Paris.';
  }
  return out;
}

/** The browser's XML parser's complaint, or null when well-formed. */
export function xmlProblem(config: string): string | null {
  if (!config.trim()) return 'The configuration is empty.';
  if (typeof DOMParser === 'undefined') return null;
  const doc = new DOMParser().parseFromString(config, 'application/xml');
  const err = doc.getElementsByTagName('parsererror')[0];
  if (!err) return null;
  const text = (err.textContent || '').replace(/\s+/g, ' ').trim();
  return text ? `Not well-formed XML: ${text.slice(0, 240)}` : 'Not well-formed XML.';
}
